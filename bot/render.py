"""Stage 6: an Answer -> what the user sees: plain text, JSON Lines, or an explanation.

Everything printed that came from the user (the question, unknown words) has already been
cleaned of control and escape characters by `normalise.clean_text`; `safe` is applied
again here to all text, so nothing can reach a terminal as an escape sequence.
"""

from __future__ import annotations

from .understanding.normalise import clean_line

# json is imported by the first JSON answer, not here: a plain `mlbot ask` prints none
# (~0.9 ms). Nor `typing` (~1.5 ms): only the type checker reads the annotations.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import re
    from typing import Any

    from .engine import Answer


# Characters that `str.splitlines()` (and some terminals and editors) take for a line end but
# `clean_line` keeps (U+2028 and U+2029 are separators, not controls): a space in plain
# output, so one line of the notes stays one line. U+0085 (a C1 control) is removed by
# `clean_line` already; it is listed so that the rule does not depend on that.
_LINE_BREAKS = str.maketrans({"\u2028": " ", "\u2029": " ", "\x85": " "})


def safe(text: str) -> str:
    """Text with every control character except newline removed, line by line, and the
    Unicode line and paragraph separators made spaces."""
    return "\n".join(clean_line(line) for line in text.translate(_LINE_BREAKS).split("\n"))


def render_text(answer: Answer) -> str:
    lines = [safe(answer.text)]
    if answer.notice:
        lines.append(safe(answer.notice))
    if answer.suggestions:
        lines.append("")
        lines.append("You could ask:")
        # numbered when a bare number picks one in a conversation (the engine remembers them)
        numbered = answer.context.suggestions == answer.suggestions
        lines += [f"  {f'{i}.' if numbered else '-'} {safe(s)}" for i, s in enumerate(answer.suggestions, 1)]
    return "\n".join(lines)


# Characters JSON may carry raw but a reader should never get raw: DEL and the C1 controls (U+009B
# starts an escape sequence on some terminals), bidi controls (turn shown text around), and the
# separators `str.splitlines()` splits on (U+0085, U+2028, U+2029: a JSON Line would become two).
# json.dumps already escapes C0 controls.
_JSON_UNSAFE = "[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]"
_json_unsafe: re.Pattern[str] | None = None  # compiled when first needed: rarely


def dumps_json(data: Any, indent: int | None = None) -> str:
    """JSON text that is safe to print: readable Unicode, the characters above as \\u escapes.
    Outside strings JSON is ASCII, so each such character is inside a string, where an escape
    means the same character."""
    import json

    global _json_unsafe
    text = json.dumps(data, ensure_ascii=False, indent=indent)
    if text.isascii() and "\x7f" not in text:  # the usual case: nothing to look for
        return text
    if _json_unsafe is None:
        import re

        _json_unsafe = re.compile(_JSON_UNSAFE)
    return _json_unsafe.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def render_json(answer: Answer) -> str:
    return dumps_json(answer.to_json())


def explanation(answer: Answer) -> dict[str, Any]:
    return {"intent": answer.intent, "confidence": answer.confidence, **answer.explanation}


def render_explanation(answer: Answer) -> str:
    e = answer.explanation
    lines = ["-- why this answer"]
    cands = ", ".join(f"{c['intent']} {c['score']:.2f}" for c in e.get("candidates", [])[:3])
    lines.append(f"   intents: {cands} (margin {e.get('margin', 0):.2f}; confidence {answer.confidence:.2f})")
    if e.get("asking"):
        lines.append(f"   asking clause: \"{e['asking']}\" (the rest is background)")
    lines.append(f"   decided: {e.get('intent', answer.intent)} by the rule \"{e.get('rule', '')}\"")
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
