"""What follows a message landing, by message kind: hooks registered by the code that writes
those messages, so the dispatcher knows no kind by name."""
from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session

from bot.delivery import Delivered
from store.models import OutboxMessage

Hook = Callable[[Session, OutboxMessage, Delivered], None]
_HOOKS: dict[str, Hook] = {}


def on_landing(kind: str) -> Callable[[Hook], Hook]:
    """Register `hook` to run, in the transaction that marks the row sent, when a `kind` message lands."""
    def register(hook: Hook) -> Hook:
        _HOOKS[kind] = hook
        return hook
    return register


def landed(session: Session, message: OutboxMessage, delivered: Delivered) -> None:
    hook = _HOOKS.get(message.kind)
    if hook is not None:
        hook(session, message, delivered)
