"""What one REPL session remembers: the conversation context, the answers so far (for /why
and /save-test) and the user's toggles. Plain data, shared by commands, toolbar and app."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..engine import Answer, Bot
from ..understanding.context import Context


@dataclass
class State:
    bot: Bot
    explain: bool = False
    debug: bool = False
    context: Context | None = None
    # one list of answers per conversation; /reset starts the next one, as a canned test
    # file's conversations each start from a fresh context
    conversations: list[list[Answer]] = field(default_factory=lambda: [[]])
    last: Answer | None = None
    hint: str = ""  # a one-off hint for the toolbar ("Ctrl-D or /quit to leave")

    def record(self, answer: Answer) -> None:
        self.context = answer.context
        self.last = answer
        self.conversations[-1].append(answer)

    def reset(self) -> None:
        self.context = None
        self.last = None
        if self.conversations[-1]:
            self.conversations.append([])

    @property
    def turns(self) -> int:
        return sum(len(c) for c in self.conversations)
