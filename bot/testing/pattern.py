"""`answer_matches` patterns: compiled and matched under a time limit.

A test file may be someone else's, and the pytest plugin collects every `*.chat.yaml` it
finds, so a pattern that backtracks without end (`^(.+)+!$`) would hang every run that meets
it. Patterns are therefore matched with the `regex` module, whose matcher takes a timeout
(stdlib `re` has none, and a thread cannot stop it). `regex` reads Python's syntax; it is
imported here only, when a test file has a pattern, so `ask` and `chat` never load it.
"""

from __future__ import annotations

import functools
from typing import Any

MATCH_SECONDS = 1.0  # per answer; documented in docs/canned-tests.md


class PatternTimeout(Exception):
    """The pattern ran out of time on one answer."""


def _regex() -> Any:
    import regex

    return regex


@functools.lru_cache(maxsize=256)
def compile_pattern(pattern: str) -> Any:
    """The compiled pattern (a `regex.Pattern`); raises ValueError saying why it is invalid.

    Besides syntax errors, a pattern can be too big for the compiler (`a{99999999999}`) or nest
    too deeply for its parser (a thousand groups): those are invalid patterns too, not crashes.
    """
    regex = _regex()
    try:
        # answer_has / answer_lacks are case-insensitive, so answer_matches is too
        return regex.compile(pattern, regex.IGNORECASE)
    except regex.error as exc:
        at = f" at position {exc.pos}" if getattr(exc, "pos", None) is not None else ""
        raise ValueError(f"{getattr(exc, 'msg', exc)}{at}") from None
    except (OverflowError, RecursionError, MemoryError) as exc:
        why = "it nests too deeply" if isinstance(exc, RecursionError) else "it is too large"
        raise ValueError(why) from None


def search(pattern: str, text: str, seconds: float | None = None) -> bool:
    """Whether `pattern` is found in `text`; PatternTimeout when that takes over `seconds`."""
    limit = MATCH_SECONDS if seconds is None else seconds
    try:
        return compile_pattern(pattern).search(text, timeout=limit) is not None
    except TimeoutError:
        raise PatternTimeout(f"answer_matches ran out of time ({limit:g} s) on this answer; "
                             "simplify the pattern (a repeat inside a repeat, like (.+)+, "
                             "can backtrack without end)") from None
