"""Stage 6: an Answer -> what the user sees: plain text, JSON Lines, or an explanation.

Everything printed that came from the user (the question, unknown words) has already been
cleaned of control and escape characters by `normalise.clean_text`; `safe` is applied
again here to all text, so nothing can reach a terminal as an escape sequence.
"""

from __future__ import annotations

import json
from typing import Any

from .engine import Answer
from .understanding.normalise import clean_line


def safe(text: str) -> str:
    """Text with every control character except newline removed, line by line."""
    return "\n".join(clean_line(line) for line in text.split("\n"))


def render_text(answer: Answer) -> str:
    lines = [safe(answer.text)]
    if answer.notice:
        lines.append(safe(answer.notice))
    if answer.suggestions:
        lines.append("")
        lines.append("You could ask:")
        lines += [f"  - {safe(s)}" for s in answer.suggestions]
    return "\n".join(lines)


def render_json(answer: Answer) -> str:
    return json.dumps(answer.to_json(), ensure_ascii=False)


def explanation(answer: Answer) -> dict[str, Any]:
    return {"intent": answer.intent, "confidence": answer.confidence, **answer.explanation}


def render_explanation(answer: Answer) -> str:
    e = answer.explanation
    lines = ["-- why this answer"]
    cands = ", ".join(f"{c['intent']} {c['score']:.2f}" for c in e.get("candidates", [])[:3])
    lines.append(f"   intents: {cands} (margin {e.get('margin', 0):.2f}; confidence {answer.confidence:.2f})")
    lines.append(f"   context rule: {e.get('rule', '')}")
    if e.get("mentions"):
        matched = (f"{m['kind']} {m['name']!s} <- \"{m['words']}\"" for m in e["mentions"])
        lines.append("   matched: " + "; ".join(matched))
    if e.get("corrections"):
        lines.append("   typos read as: " + ", ".join(f"{c['typed']} -> {c['read_as']}" for c in e["corrections"]))
    if e.get("unknown_roles"):
        lines.append("   roles the notes do not cover: " + ", ".join(e["unknown_roles"]))
    if e.get("unexplained"):
        lines.append("   words nothing explained: " + ", ".join(e["unexplained"]))
    lines.append("   notes used: " + (", ".join(e.get("sources", [])) or "none"))
    return safe("\n".join(lines))
