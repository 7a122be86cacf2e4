"""Stage 2: a message -> its clauses, each marked with how plainly it asks something.

People write a sentence about themselves, then the question ("I'm redoing my résumé. Which
skills should I put first?"). Reading the whole message as one question lets the lead-in's
words pick the intent or veto it. This stage splits a message into clauses and says which of
them ask: the engine reads the intent from the asking clauses only, and takes from the rest
(the background) only what a question may borrow: the asker's skills and roles, and what "it"
refers to.

Plain text in, plain records out; the cue words (question words, imperatives, fillers) are
data of the language (vocabulary.yaml).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ..model import Vocabulary
from ..records import Record
from .normalise import split_words

# how plainly a clause asks: a question mark, a question form, an embedded question, nothing
ASKS_MARKED, ASKS_FORM, ASKS_EMBEDDED, STATES = 3, 2, 1, 0

# sentence ends; a "." inside a word or number ("node.js", "3.5") is not one
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|\n+|(?<=[.!?])(?=[A-Z])")
# where a clause may start inside a sentence: after a comma, dash, colon or semicolon
# any of these inside a message may split it; most questions have none
_MAY_SPLIT = re.compile(r"[.!?;,:\n–—]|\s-\s")
_CLAUSE_BREAK = re.compile(r"\s*(?:,|:|\s[-–—]\s|\s—|—\s)\s*")


class Clause(Record):
    text: str
    asks: int  # ASKS_MARKED, ASKS_FORM, ASKS_EMBEDDED or STATES


class ReadingCues(Record):
    """The words this stage looks at, from the language's vocabulary."""

    question_words: frozenset[str]
    yes_no_starts: frozenset[str]
    imperatives: frozenset[str]
    fillers: frozenset[str]

    @classmethod
    def of(cls, vocabulary: Vocabulary) -> ReadingCues:
        return cls(vocabulary.question_words, vocabulary.yes_no_starts, vocabulary.imperatives,
                   vocabulary.fillers)


def split_clauses(text: str, cues: ReadingCues) -> tuple[Clause, ...]:
    """The clauses of a message, in order. A message of one plain sentence is one clause (the
    common case, and cheap)."""
    if not _MAY_SPLIT.search(text.rstrip(".?! ")):
        # no sentence end before the last character and no clause break: one clause
        return (Clause(text, ASKS_MARKED if text.rstrip().endswith("?") else _form(text, cues)),)
    sentences = [s for s in _SENTENCE_END.split(text) if s.strip()]
    clauses: list[Clause] = []
    for sentence in sentences:
        marked = sentence.rstrip().endswith("?")
        parts = _CLAUSE_BREAK.split(sentence) if _CLAUSE_BREAK.search(sentence) else [sentence]
        # a comma starts a new clause only after a lead-in that asks nothing, and where the part
        # after it asks on its own ("as a <title>, what should I learn?"); elsewhere it
        # is a list, an aside, or the rest of one question ("what about <x>, would they?")
        merged: list[str] = []
        for part in parts:
            if merged and (_form(part, cues) < ASKS_FORM or _form(merged[-1], cues) >= ASKS_FORM):
                merged[-1] = f"{merged[-1]}, {part}"
            else:
                merged.append(part)
        for i, part in enumerate(merged):
            last = i == len(merged) - 1
            form = _form(part, cues)
            clauses.append(Clause(part.strip(), ASKS_MARKED if marked and last else form))
    return tuple(c for c in clauses if split_words(c.text)) or (Clause(text, STATES),)


def _form(text: str, cues: ReadingCues) -> int:
    words = [w.lower() for w in split_words(text)]
    while words and words[0] in cues.fillers:
        words = words[1:]
    if not words:
        return STATES
    first = words[0]
    if first in cues.question_words or first in cues.yes_no_starts or first in cues.imperatives:
        return ASKS_FORM
    if any(w in cues.question_words for w in words[1:]):
        # "I don't know what <x> is about", "I'd love to understand what ... do"
        return ASKS_EMBEDDED
    return STATES


def asking_clauses(clauses: tuple[Clause, ...], is_small_talk: Callable[[Clause], bool],
                   ) -> tuple[tuple[Clause, ...], tuple[Clause, ...]]:
    """(asking, background): the clauses that ask most plainly, and the rest. No clause asks:
    the small-talk clauses ("I have to go now. Bye!"), or else the whole message (a statement
    like "I know <skill>" is the question)."""
    best = max(c.asks for c in clauses)
    if len(clauses) == 1:
        return clauses, ()
    if best == STATES:
        talk = tuple(c for c in clauses if is_small_talk(c))
        if talk:
            return talk, tuple(c for c in clauses if c not in talk)
        return clauses, ()
    asking = tuple(c for c in clauses if c.asks == best)
    # the first of several equally plain questions is the one asked; what follows it is a
    # second thought ("... do? Is it more <x> or <y>?"), read as background
    first = asking[0]
    return (first,), tuple(c for c in clauses if c is not first)
