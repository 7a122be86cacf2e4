"""Run canned conversations against a bot and say, for each turn, what did not hold and why.

Results are plain frozen data (no printing here): the CLI runner, the pytest plugin, the
JUnit and JSON writers all format the same results.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .spec import Conversation, Turn

if TYPE_CHECKING:
    from ..engine import Answer, Bot
    from .pattern import Budget


@dataclass(frozen=True)
class Got:
    """What the bot answered, as far as a canned test looks at it."""

    intent: str
    confidence: float
    roles: tuple[str, ...]
    skills: tuple[str, ...]
    level: str | None
    text: str
    candidates: tuple[tuple[str, float], ...] = ()  # best intents first, with their scores

    @classmethod
    def of(cls, answer: Answer) -> Got:
        candidates = tuple(
            (str(c["intent"]), float(c["score"])) for c in answer.explanation.get("candidates", [])
        )
        return cls(
            answer.intent,
            answer.confidence,
            tuple(answer.roles),
            tuple(answer.skills),
            answer.level,
            answer.text,
            candidates,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "intent": self.intent,
            "confidence": self.confidence,
            "entities": {
                "roles": list(self.roles),
                "skills": list(self.skills),
                "level": self.level,
            },
            "answer": self.text,
            "candidates": [{"intent": i, "score": s} for i, s in self.candidates],
        }


@dataclass(frozen=True)
class TurnResult:
    turn: Turn
    got: Got | None  # None when the bot raised
    failures: tuple[str, ...]  # one sentence each; empty when the turn passed

    @property
    def passed(self) -> bool:
        return not self.failures


@dataclass(frozen=True)
class ConversationResult:
    conversation: Conversation
    turns: tuple[TurnResult, ...]
    seconds: float

    @property
    def passed(self) -> bool:
        return all(t.passed for t in self.turns)

    @property
    def failed_turns(self) -> tuple[tuple[int, TurnResult], ...]:
        """(1-based turn number, result) of each failing turn."""
        return tuple((n, t) for n, t in enumerate(self.turns, 1) if not t.passed)


def _ids(values: tuple[str, ...] | list[str]) -> str:
    return "[" + ", ".join(values) + "]"


def _pattern_failures(pattern: str, text: str, budget: Budget | None = None, line: int = 0) -> list[str]:
    from .pattern import PatternTimeout, search

    try:
        return [] if search(pattern, text, budget=budget, line=line) else [f"answer does not match /{pattern}/"]
    except PatternTimeout as exc:
        return [str(exc)]


def check_turn(turn: Turn, got: Got, budget: Budget | None = None) -> tuple[str, ...]:
    """Every expectation of `turn` that `got` does not meet, said plainly. `budget`: the
    pattern time left for the turn's test file (`bot.testing.pattern.Budget`)."""
    why: list[str] = []
    if turn.intent is not None and got.intent != turn.intent:
        why.append(f"intent: expected {turn.intent}, got {got.intent}")
    if turn.roles is not None and set(got.roles) != set(turn.roles):
        why.append(
            f"roles: expected {_ids(sorted(set(turn.roles)))}, got {_ids(sorted(set(got.roles)))}"
        )
    if turn.skills is not None:
        have = {s.lower() for s in got.skills}
        missing = [s for s in turn.skills if s.lower() not in have]
        if missing:
            why.append(
                f"skills: expected {_ids(missing)} among the question's skills, "
                f"got {_ids(got.skills)}"
            )
    if turn.checks_level and got.level != turn.level:
        why.append(f"level: expected {turn.level or 'none'}, got {got.level or 'none'}")
    lowered = got.text.lower()
    missing_text = [s for s in turn.answer_has if s.lower() not in lowered]
    if missing_text:
        why.append("answer lacks: " + ", ".join(repr(s) for s in missing_text))
    forbidden = [s for s in turn.answer_lacks if s.lower() in lowered]
    if forbidden:
        why.append("answer has forbidden text: " + ", ".join(repr(s) for s in forbidden))
    if turn.answer_matches is not None:
        why += _pattern_failures(turn.answer_matches, got.text, budget, turn.line)
    if turn.min_confidence is not None and got.confidence < turn.min_confidence:
        why.append(
            f"confidence {got.confidence:.2f} is below min_confidence {turn.min_confidence:g}"
        )
    return tuple(why)


def run_conversation(bot: Bot, conversation: Conversation,
                     budget: Budget | None = None) -> ConversationResult:
    """Ask each turn in order, from a fresh context, passing each answer's context on.
    `budget`: the pattern time left for the conversation's test file, shared by all its
    conversations (one is made for this conversation alone when none is given)."""
    if budget is None:
        from .pattern import Budget

        budget = Budget(conversation.path)
    started = time.perf_counter()
    context = None
    results: list[TurnResult] = []
    for turn in conversation.turns:
        try:
            answer = bot.answer(turn.ask, context)
        except Exception as exc:  # noqa: BLE001 - a crash is a failing turn, not a crashed runner
            results.append(TurnResult(turn, None, (f"the bot raised {type(exc).__name__}: {exc}",)))
            context = None
            continue
        context = answer.context
        got = Got.of(answer)
        results.append(TurnResult(turn, got, check_turn(turn, got, budget)))
    return ConversationResult(conversation, tuple(results), time.perf_counter() - started)
