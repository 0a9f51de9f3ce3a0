"""What someone can do to an inquiry: the one list that commands, handlers, notices and buttons use."""
from __future__ import annotations

from enum import Enum

BUTTON_PREFIX = "inquiry_"  # a button's id on the wire: "inquiry_answered" (Slack adds its own "poc_")


class InquiryAction(str, Enum):
    answered = "answered"
    on_it = "on_it"
    resolved = "resolved"
    more_help = "more_help"
    hand_off = "hand_off"

    @property
    def button_id(self) -> str:
        return BUTTON_PREFIX + self.value

    @property
    def label_key(self) -> str:
        """The locale key of the button's label."""
        return f"button_{self.value}"

    @classmethod
    def named(cls, name: object) -> InquiryAction | None:
        """The action called name ("answered"), or None for anything else."""
        return next((action for action in cls if action.value == name), None)

    @classmethod
    def from_button(cls, button_id: str) -> InquiryAction | None:
        """The action a button id ("inquiry_answered") stands for, or None for anything else."""
        return cls.named(button_id.removeprefix(BUTTON_PREFIX)) if button_id.startswith(BUTTON_PREFIX) else None


# Who may click: the asker settles or reopens; the POC's side does the rest.
ASKER_ACTIONS = (InquiryAction.resolved, InquiryAction.more_help)
RESPONDER_ACTIONS = tuple(action for action in InquiryAction if action not in ASKER_ACTIONS)
BUTTON_IDS = frozenset(action.button_id for action in InquiryAction)
