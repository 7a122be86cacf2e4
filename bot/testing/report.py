"""Canned test results as text for people: one line per conversation, a reason for each
failing turn, the closing `N passed, N failed` line, and the optional per-intent report."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..render import safe
from .check import ConversationResult, Got, TurnResult
from .spec import escape_controls

TOP_CANDIDATES = 3
TOP_CONFUSIONS = 5


def conversation_line(result: ConversationResult) -> str:
    c = result.conversation
    return f"{'PASS' if result.passed else 'FAIL'}  {safe(c.name)}  ({escape_controls(c.path)}:{c.line})"


def _got_line(got: Got) -> str:
    candidates = ", ".join(f"{i} {s:.2f}" for i, s in got.candidates[:TOP_CANDIDATES]) or "none"
    return (
        f"got: {got.intent} (confidence {got.confidence:.2f}; top intents: {candidates}); "
        f"roles [{', '.join(got.roles)}]; skills [{', '.join(got.skills)}]; "
        f"level {got.level or 'none'}"
    )


def turn_report(number: int, result: TurnResult, indent: str = "    ") -> str:
    """Why one turn failed: the question, each unmet expectation, what came, the answer."""
    turn = result.turn
    lines = [f"{indent}turn {number} (line {turn.line}): {safe(turn.ask)}"]
    lines += [f"{indent}  - {safe(reason)}" for reason in result.failures]
    if result.got is not None:
        lines.append(f"{indent}  {_got_line(result.got)}")
        lines.append(f"{indent}  answer:")
        lines += [f"{indent}    | {line}" for line in safe(result.got.text).split("\n")]
    return "\n".join(lines)


def failure_report(result: ConversationResult, indent: str = "    ") -> str:
    """The turn reports of every failing turn of one conversation."""
    return "\n".join(turn_report(n, t, indent) for n, t in result.failed_turns)


def closing_line(results: Sequence[ConversationResult]) -> str:
    passed = sum(1 for r in results if r.passed)
    return f"{passed} passed, {len(results) - passed} failed"


@dataclass(frozen=True)
class IntentRow:
    intent: str
    turns: int
    intent_ok: int  # the intent was right
    passed: int  # every expectation held


def intent_rows(results: Sequence[ConversationResult]) -> tuple[IntentRow, ...]:
    """Per expected intent: how many turns asked for it, got it, and passed outright."""
    counts: dict[str, list[int]] = {}
    for result in results:
        for t in result.turns:
            expected = t.turn.intent
            if expected is None:
                continue
            row = counts.setdefault(expected, [0, 0, 0])
            row[0] += 1
            row[1] += t.got is not None and t.got.intent == expected
            row[2] += t.passed
    return tuple(IntentRow(i, *row) for i, row in sorted(counts.items()))


def confusions(results: Sequence[ConversationResult]) -> list[tuple[tuple[str, str], int]]:
    """(expected intent, intent that came) pairs, most frequent first."""
    pairs: Counter[tuple[str, str]] = Counter()
    for result in results:
        for t in result.turns:
            if t.turn.intent is not None and t.got is not None and t.got.intent != t.turn.intent:
                pairs[(t.turn.intent, t.got.intent)] += 1
    return sorted(pairs.items(), key=lambda item: (-item[1], item[0]))


def intent_report(results: Sequence[ConversationResult]) -> str:
    rows = intent_rows(results)
    width = max([len("intent"), *(len(r.intent) for r in rows)])
    lines = [
        "",
        "per intent (turns that expect it):",
        f"  {'intent':<{width}}  turns  intent ok  passed",
    ]
    for r in rows:
        mark = "" if r.passed == r.turns else "  <-"
        lines.append(f"  {r.intent:<{width}}  {r.turns:>5}  {r.intent_ok:>9}  {r.passed:>6}{mark}")
    if not rows:
        lines.append("  (no turn gives an intent)")
    pairs = confusions(results)[:TOP_CONFUSIONS]
    lines += ["", "most confused intents (expected -> got):"]
    lines += [f"  {n:>3}  {expected} -> {got}" for (expected, got), n in pairs] or ["  none"]
    lines.append("")
    return "\n".join(lines)


def results_json(results: Sequence[ConversationResult], problems: Sequence[Any]) -> dict[str, Any]:
    """Machine-readable results (`--json`)."""
    passed = sum(1 for r in results if r.passed)
    return {
        "passed": passed,
        "failed": len(results) - passed,
        "invalid": [{"file": p.path, "line": p.line, "message": p.message} for p in problems],
        "conversations": [
            {
                "file": r.conversation.path,
                "name": r.conversation.name,
                "line": r.conversation.line,
                "passed": r.passed,
                "seconds": round(r.seconds, 6),
                "turns": [
                    {
                        "ask": t.turn.ask,
                        "line": t.turn.line,
                        "passed": t.passed,
                        "failures": list(t.failures),
                        "got": t.got.to_json() if t.got is not None else None,
                    }
                    for t in r.turns
                ],
            }
            for r in results
        ],
        "intents": [
            {
                "intent": row.intent,
                "turns": row.turns,
                "intent_ok": row.intent_ok,
                "passed": row.passed,
            }
            for row in intent_rows(results)
        ],
        "confusions": [{"expected": e, "got": g, "count": n} for (e, g), n in confusions(results)],
    }
