"""Turn the bot's answers into canned-test expectations (a golden file for review)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import yaml

from ..engine import Answer

MAX_FACTS = 3


def turn_expectations(answer: Answer) -> dict[str, Any]:
    """The expectations a reviewer would keep for one answer: intent, roles, key facts."""
    turn: dict[str, Any] = {"ask": answer.question, "intent": answer.intent}
    if answer.roles:
        turn["roles"] = list(answer.roles)
    if answer.skills:
        turn["skills"] = list(answer.skills)
    if answer.level:
        turn["level"] = answer.level
    lowered = answer.text.lower()
    facts = [f for f in dict.fromkeys(answer.facts) if f and f.lower() in lowered]
    if facts:
        turn["answer_has"] = facts[:MAX_FACTS]
    return turn


def dump_test_file(conversations: Sequence[tuple[str, Sequence[Answer]]]) -> str:
    """A canned-test YAML document for the given (name, answers) conversations."""
    doc = {"conversations": [
        {"name": name, "turns": [turn_expectations(a) for a in answers]} for name, answers in conversations
    ]}
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100)
