"""`answer_matches` patterns: compiled and matched under a time limit.

A test file may be someone else's, and the pytest plugin collects every `*.chat.yaml` it
finds, so a pattern that backtracks without end (`^(.+)+!$`) would hang every run that meets
it. Patterns are therefore matched with the `regex` module, whose matcher takes a timeout
(stdlib `re` has none, and a thread cannot stop it). `regex` reads Python's syntax; it is
imported here only, when a test file has a pattern, so `ask` and `chat` never load it.

Compiling has no timeout, and `regex` expands counted repeats when it compiles:
`(?:x{3000}){3000}` (19 characters) takes gigabytes. So before compiling, `check_size`
reads the pattern's structure and refuses one that could expand too much
(docs/canned-tests.md lists the limits):
  - a pattern longer than `MAX_PATTERN_CHARS`;
  - a repeat count (`{m}`, `{m,}`, `{m,n}`, `{,n}`) above `MAX_REPEAT`;
  - an expanded size above `MAX_EXPANDED`: each atom (a character, a class, an escape)
    counts 1, a group the sum of its alternatives, and a counted repeat multiplies what it
    repeats by its largest count, so nested counts multiply. `*`, `+` and `?` count once.
The estimate errs on the side of refusing (alternatives are added, not maxed; a `{` in a
verbose-mode comment is read as a repeat), and the limits are far above what a canned test
needs. Measured: an expanded size of 10^6 takes ~0.5 s and ~280 MB to compile; the limit of
10^5 is ~30 MB.
"""

from __future__ import annotations

import functools
import re
from typing import Any

MATCH_SECONDS = 1.0  # per answer; documented in docs/canned-tests.md
FILE_SECONDS = 10.0  # all the pattern matching of one test file; documented there too
MAX_PATTERN_CHARS = 5_000
MAX_REPEAT = 1_000
MAX_EXPANDED = 100_000

_COUNT = re.compile(r"\{(\d*)(?:(,)(\d*))?\}")
_BRACED_ESCAPE = re.compile(r"\\[pPNxuUg]\{[^}]*\}")


class PatternTimeout(Exception):
    """The pattern ran out of time on one answer."""


def _regex() -> Any:
    import regex

    return regex


_HUGE = 10**8


def _count(digits: str | None) -> int:
    """A repeat count's value; `_HUGE` for one of over 8 digits (int() of thousands of
    digits is refused by Python, and any of them is too big anyway)."""
    digits = (digits or "").lstrip("0")
    return int(digits) if len(digits) <= 8 and digits else (_HUGE if digits else 0)


def check_size(pattern: str) -> None:
    """Raise ValueError when `pattern` is too long or could expand too much when compiled
    (see the module's docstring). A linear scan with its own stack: no recursion."""
    if len(pattern) > MAX_PATTERN_CHARS:
        raise ValueError(f"it is {len(pattern):,} characters long (at most {MAX_PATTERN_CHARS:,})")
    # one frame per open group: [expanded size so far, size of the last atom]
    stack: list[list[int]] = [[0, 0]]
    i, n = 0, len(pattern)

    def atom(size: int) -> None:
        frame = stack[-1]
        frame[0] += size
        frame[1] = size

    while i < n:
        ch = pattern[i]
        if ch == "\\":
            braced = _BRACED_ESCAPE.match(pattern, i)
            i = braced.end() if braced else i + 2
            atom(1)
            continue
        if ch == "[":
            j = i + 1
            if j < n and pattern[j] == "^":
                j += 1
            if j < n and pattern[j] == "]":
                j += 1  # a leading ] is a literal
            while j < n and pattern[j] != "]":
                j += 2 if pattern[j] == "\\" else 1
            i = j + 1
            atom(1)
            continue
        if ch == "(":
            if pattern.startswith("(?#", i):  # a comment
                end = pattern.find(")", i)
                i = n if end < 0 else end + 1
                continue
            stack.append([0, 0])
            i += 1
            continue
        if ch == ")":
            if len(stack) > 1:
                size = max(stack.pop()[0], 1)
                atom(size)
            i += 1
            continue
        if ch == "{":
            count = _COUNT.match(pattern, i)
            if count and (count.group(1) or count.group(3)):
                biggest = max(_count(count.group(1)), _count(count.group(3)))
                if biggest > MAX_REPEAT:
                    shown = f"{biggest:,}" if biggest < _HUGE else "a number of over 8 digits"
                    raise ValueError(f"repeat count too big: {shown} (at most {MAX_REPEAT:,} "
                                     "in one {m,n})")
                frame = stack[-1]
                frame[0] += frame[1] * (biggest - 1)
                frame[1] *= biggest
                if frame[0] > MAX_EXPANDED:
                    raise ValueError(
                        f"its repeat counts expand it to more than {MAX_EXPANDED:,} pieces "
                        "(nested counts multiply: (?:x{300}){300} is 90,000)")
                i = count.end()
                continue
        if ch in "*+?|^$":
            i += 1
            continue
        atom(1)
        i += 1
    total = sum(frame[0] for frame in stack)
    if total > MAX_EXPANDED:  # pragma: no cover - caught as it grows
        raise ValueError(f"its repeat counts expand it to more than {MAX_EXPANDED:,} pieces")


@functools.lru_cache(maxsize=256)
def compile_pattern(pattern: str) -> Any:
    """The compiled pattern (a `regex.Pattern`); raises ValueError saying why it is invalid.

    Besides syntax errors, a pattern can be too big for the compiler (`a{99999999999}`) or nest
    too deeply for its parser (a thousand groups): those are invalid patterns too, not crashes.
    """
    check_size(pattern)
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


class Budget:
    """The time left for the patterns of one test file (`FILE_SECONDS` in all): one slow
    pattern per answer is bounded by MATCH_SECONDS, a thousand of them by this."""

    def __init__(self, path: str, seconds: float | None = None) -> None:
        self.path = path
        self.seconds = FILE_SECONDS if seconds is None else seconds
        self.spent = 0.0

    @property
    def left(self) -> float:
        return self.seconds - self.spent


def search(pattern: str, text: str, seconds: float | None = None, budget: Budget | None = None,
           line: int = 0) -> bool:
    """Whether `pattern` is found in `text`; PatternTimeout when that takes over `seconds`,
    or when `budget` (the test file's, charged with the time taken) is spent; `line` is the
    turn's line, for that message."""
    import time

    limit = MATCH_SECONDS if seconds is None else seconds
    compiled = compile_pattern(pattern)
    if budget is not None:
        if budget.left <= 0:
            raise PatternTimeout(
                f"answer_matches not checked at {budget.path}:{line}: the patterns of this "
                f"file used up its time budget ({budget.seconds:g} s in all); simplify the slow "
                "ones (the turns that ran out of time)")
        limit = min(limit, budget.left)
    started = time.perf_counter()
    try:
        return compiled.search(text, timeout=limit) is not None
    except TimeoutError:
        raise PatternTimeout(f"answer_matches ran out of time ({limit:g} s) on this answer; "
                             "simplify the pattern (a repeat inside a repeat, like (.+)+, "
                             "can backtrack without end)") from None
    finally:
        if budget is not None:
            budget.spent += time.perf_counter() - started
