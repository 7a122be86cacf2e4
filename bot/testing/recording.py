"""Turn the bot's answers into canned-test expectations (a golden file for review).

`mlbot test --record QUESTIONS.txt` reads questions (one a line, a blank line between
conversations, `#` lines are comments), asks them, and writes a test file that pins what
the bot understood and a few facts it said. Each turn carries the answer as a comment so a
reviewer can judge it before committing the file.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import yaml

from ..engine import Answer, Bot

MAX_FACTS = 3
# intents whose answer is about a role: recording `roles: []` for them pins a clarifying
# question ("Which role do you mean?") instead of leaving the roles unchecked
ROLE_INTENTS = ("role_overview", "role_skills", "role_tasks", "role_has_skill", "role_compare")
NAME_CHARS = 60


def turn_expectations(answer: Answer) -> dict[str, Any]:
    """The expectations a reviewer would keep for one answer: intent, roles, key facts."""
    turn: dict[str, Any] = {"ask": answer.question, "intent": answer.intent}
    if answer.roles or answer.intent in ROLE_INTENTS:
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


def read_questions(text: str) -> list[list[str]]:
    """Conversations of a questions file: one question a line, blank lines between them.
    Lines end at "\n" only (a "\r" before it is stripped), as in `chat` and `ask -`: a
    U+2028, U+0085, vertical tab or form feed inside a question does not split it (the
    question's cleaning makes it a space)."""
    conversations: list[list[str]] = [[]]
    for raw in text.split("\n"):
        line = raw.strip()
        if line.startswith("#"):
            continue
        if not line:
            if conversations[-1]:
                conversations.append([])
            continue
        conversations[-1].append(line)
    return [c for c in conversations if c]


def record(bot: Bot, conversations: Sequence[Sequence[str]]) -> list[tuple[str, list[Answer]]]:
    """Ask each conversation from a fresh context; name it after its first question."""
    recorded: list[tuple[str, list[Answer]]] = []
    names: set[str] = set()
    for questions in conversations:
        context = None
        answers = []
        for question in questions:
            answer = bot.answer(question, context)
            context = answer.context
            answers.append(answer)
        base = answers[0].question.strip()[:NAME_CHARS] or "conversation"
        name, n = base, 2
        while name in names:  # names must be unique within a file
            name, n = f"{base} ({n})", n + 1
        names.add(name)
        recorded.append((name, answers))
    return recorded


class _Dumper(yaml.SafeDumper):
    """Lists inline ("roles: [a_role]"), as people write them; mappings as blocks."""


def _represent_list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True)


_Dumper.add_representer(list, _represent_list)


def _dump(value: Any) -> str:
    return yaml.dump(
        value,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=100,
        default_flow_style=False,
    )


def _indent(text: str, prefix: str, first: str | None = None) -> str:
    lines = text.rstrip("\n").split("\n")
    head = (first if first is not None else prefix) + lines[0]
    return "\n".join([head, *(prefix + line for line in lines[1:])])


def _answer_comment(answer: Answer, prefix: str) -> str:
    # comments cannot hold control characters meaningfully; the answer is shown line by line
    lines = [" ".join(line.split()) for line in answer.text.split("\n") if line.strip()]
    return "\n".join(f"{prefix}# bot: {line}" for line in lines)


def dump_test_file(conversations: Sequence[tuple[str, Sequence[Answer]]], header: str = "") -> str:
    """A canned-test YAML document for the given (name, answers) conversations, each turn
    preceded by the answer as a comment."""
    out = [f"# {line}" if line else "#" for line in header.splitlines()]
    out.append("conversations:")
    for name, answers in conversations:
        out.append(_indent(_dump({"name": name}), "    ", "  - "))
        out.append("    turns:")
        for answer in answers:
            out.append(_answer_comment(answer, "      "))
            out.append(_indent(_dump(turn_expectations(answer)), "        ", "      - "))
    return "\n".join(out) + "\n"
