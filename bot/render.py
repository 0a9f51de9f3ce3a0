"""Plain-text rendering of replies; adapters pass how to mention, link and escape."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.i18n import t
from bot.messages import ChannelRef, Choice, Message, PersonView, Reply, ReplyKind, TopicAnswer


def _identity(text: str) -> str:
    return text


@dataclass(frozen=True)
class Style:
    """How one platform writes a person, a channel and user-supplied text."""

    mention: Callable[[PersonView], str] = lambda p: p.name
    channel: Callable[[str], str] = lambda c: c if c.startswith("#") else f"#{c}"
    escape: Callable[[str], str] = _identity


PLAIN = Style()


def render_text(reply: Reply, style: Style = PLAIN) -> str:
    lang = reply.lang
    if reply.kind is ReplyKind.answer and reply.answer is not None:
        return "\n".join(answer_lines(reply.answer, lang, style))
    if reply.kind is ReplyKind.suggestions and reply.choices:
        named = any(c.primary is not None for c in reply.choices)
        key = ("likely" if named else "close_call") + ("" if len(reply.choices) > 1 else "_one")
        return "\n".join([t(lang, key, query=style.escape(_short(reply.query)))]
                         + [choice_line(n, c, lang, style) for n, c in enumerate(reply.choices, 1)])
    if reply.kind is ReplyKind.suggestions:
        topics = t(lang, "suggestions_or").join(f"*{style.escape(s)}*" for s in reply.suggestions)
        return t(lang, "suggestions", query=style.escape(_short(reply.query)), topics=topics)
    if reply.kind is ReplyKind.unknown:
        return "\n".join(nothing_lines(reply, lang, style))
    if reply.kind is ReplyKind.usage:
        return t(lang, reply.note or "empty") + "\n\n" + t(lang, "help")
    if reply.kind is ReplyKind.error:
        return t(lang, "error")
    if reply.kind in (ReplyKind.done, ReplyKind.refused, ReplyKind.invalid, ReplyKind.listing):
        head = [message_text(Message(reply.note, reply.values), lang, style)] if reply.note else []
        return "\n".join(head + [message_text(m, lang, style) for m in reply.lines])
    return t(lang, "help")


def choice_line(number: int, choice: Choice, lang: str, style: Style = PLAIN) -> str:
    line = f"{number}. *{style.escape(choice.topic)}*"
    if choice.primary is not None:
        line += " " + t(lang, "choice_poc", person=style.mention(choice.primary))
    if choice.description:
        line += f" — {style.escape(_short(choice.description, 120))}"
    return line


def nothing_lines(reply: Reply, lang: str, style: Style = PLAIN) -> list[str]:
    """Nobody named: say so, offer the plausibly related topics, point to where to ask."""
    lines = [t(lang, "unknown", query=style.escape(_short(reply.query)))]
    if reply.suggestions:
        topics = ", ".join(f"*{style.escape(s)}*" for s in reply.suggestions)
        lines.append(t(lang, "related", topics=topics))
    fallback = reply.values.get("fallback")
    if isinstance(fallback, ChannelRef):
        lines.append(t(lang, "fallback_channel", channel=style.channel(fallback.id)))
    return lines


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def message_text(message: Message, lang: str, style: Style = PLAIN) -> str:
    """A catalogue text with its values: people mentioned, user text escaped."""
    return t(lang, message.key, **{k: _value(v, style) for k, v in message.values.items()})


def _value(value: object, style: Style) -> str:
    if isinstance(value, PersonView):
        return style.mention(value)
    if isinstance(value, ChannelRef):
        return style.channel(value.id)
    if isinstance(value, (list, tuple)):
        return ", ".join(_value(v, style) for v in value)
    if value is None:
        return "—"
    return style.escape(str(value))


def answer_lines(answer: TopicAnswer, lang: str, style: Style = PLAIN) -> list[str]:
    esc = style.escape
    title = t(lang, "answer_title", topic=esc(answer.topic))
    if answer.description:
        title += f" — {esc(answer.description)}"
    lines = [title]
    if answer.inherited_from:
        lines.append(t(lang, "inherited", topic=esc(answer.topic), parent=esc(answer.inherited_from)))
    if answer.primary is None:
        lines.append(t(lang, "no_poc", topic=esc(answer.topic)))
    else:
        lines.append(t(lang, "poc_line", person=style.mention(answer.primary)))
    if answer.primary is not None and answer.away_until:
        cover = style.mention(answer.cover) if answer.cover else t(lang, "nobody")
        lines.append(t(lang, "away_line", person=style.mention(answer.primary), until=answer.away_until, cover=cover))
    if answer.backups:
        people = ", ".join(style.mention(p) for p in answer.backups)
        lines.append(t(lang, "backups_line", people=people))
    if answer.channel:
        lines.append(t(lang, "channel_line", channel=style.channel(answer.channel)))
    if answer.why is not None:
        lines.append(t(lang, f"why_{answer.why.kind}", text=esc(_short(answer.why.words, 60))))
    return lines
