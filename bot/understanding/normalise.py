"""Stage 1: text -> clean text -> tokens, with shorthand rewritten, plurals folded and typos
corrected against the knowledge base's own vocabulary.

Correction is deliberately narrow: only words the vocabulary does not know, only words of
four letters or more, and only one edit away (two for long words), so that real words are
never bent into domain words.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Questions are cut to this many characters; the answer says so.
MAX_QUESTION_CHARS = 1000

# ANSI/OSC escape sequences and other C0/C1 controls are removed before anything else.
# 7-bit (ESC [ / ESC ]) and 8-bit (CSI U+009B / OSC U+009D) introducers alike
_ESCAPES = re.compile(
    r"(?:\x1b\]|\x9d)[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?|(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]|\x1b[@-_]"
)
# a word, with the "++" or "#" of language names kept ("C++", "C#")
_WORD = re.compile(r"[^\W_]+(?:\+\+|#)?", re.UNICODE)
_APOSTROPHES = re.compile(r"(?<=\w)['’‘`](?=\w)")


_SEPARATING = frozenset({"Cc", "Cs", "Co", "Zl", "Zp"})
# format characters that stand for a space between words (zero width space, word joiner, BOM)
_INVISIBLE_SPACES = frozenset("\u200b\u2060\ufeff")


def clean_text(raw: str, limit: int = MAX_QUESTION_CHARS) -> tuple[str, bool]:
    """Remove escapes and control/format characters, fold Unicode forms, cut to `limit`.

    Returns the cleaned text and whether it was cut.
    """
    if raw.isascii() and raw.isprintable():
        # the common case: no escape (ESC is not printable), nothing for NFKC to fold, no
        # control or format character; skips a Python-level loop over every character
        text = " ".join(raw.split())
    else:
        text = _ESCAPES.sub(" ", raw)
        text = unicodedata.normalize("NFKC", text)
        # invisible format characters (soft hyphen, zero-width space, joiners, direction
        # marks) vanish, so they cannot split a word; other controls separate words
        text = "".join(
            " " if ch in _INVISIBLE_SPACES or unicodedata.category(ch) in _SEPARATING
            else "" if unicodedata.category(ch) == "Cf" else ch
            for ch in text
        )
        text = " ".join(text.split())
    cut = len(text) > limit
    if cut:
        text = text[:limit].rstrip()
    return text, cut


def clean_line(text: str) -> str:
    """One line of text with escape sequences and control characters removed (spaces kept)."""
    text = _ESCAPES.sub("", text)
    return "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf") or ch == "\t")


def _is_name_letter(word: str) -> bool:
    return len(word) == 1 and word.isupper()


@lru_cache(maxsize=65_536)
def stem(word: str) -> str:
    """A rough stem for comparing a user's words with the notes' ("defining" ~ "define",
    "deployment" ~ "deploy"). Only used to decide whether a word relates to the notes."""
    for suffix in ("ments", "ment", "ings", "ing", "ers", "er", "ed", "es", "s", "e"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def split_words(text: str) -> list[str]:
    """Words as typed (case kept): apostrophes inside words dropped ("what's" -> "whats"),
    every other non-letter, non-digit character a separator."""
    return _WORD.findall(_APOSTROPHES.sub("", text))


@dataclass(frozen=True)
class Token:
    text: str  # the word used for matching: lower case, rewritten, singular, corrected
    typed: str  # the word as the user typed it
    corrected: bool = False


class Normaliser:
    """Turns questions into tokens. Built once per knowledge base; cheap per question."""

    def __init__(self, vocabulary: set[str], rewrites: dict[str, str],
                 function_words: frozenset[str] = frozenset()) -> None:
        self.vocabulary = frozenset(vocabulary)
        # a capitalised word is a name ("Rust"): never bent into a function word ("just")
        self.function_words = function_words
        self.rewrites = dict(rewrites)
        by_length: dict[int, list[str]] = {}
        for word in sorted(self.vocabulary):
            if word.isalpha():
                by_length.setdefault(len(word), []).append(word)
        self._by_length = by_length
        self._corrections: dict[str, str | None] = {}
        # the tokens of each word as typed (and whether it opened the question): questions
        # repeat words, and a word's reading never changes for one knowledge base
        self._word_memo: dict[tuple[str, bool], tuple[Token, ...]] = {}

    def fold(self, word: str) -> str:
        """Lower-case and fold a plural onto a singular the vocabulary knows."""
        word = word.lower()
        if len(word) <= 3 or not word.endswith("s"):
            return word
        for suffix, replacement in (("ies", "y"), ("s", ""), ("es", "")):
            if word.endswith(suffix) and not word.endswith(("ss", "us", "is")):
                stem = word[: -len(suffix)] + replacement
                if stem in self.vocabulary:
                    return stem
        return word

    def phrase_tokens(self, phrase: str) -> tuple[str, ...]:
        """Tokens of a phrase from the knowledge base: rewritten and folded like a question's
        words (so "whats" in a phrase reads as "what is"), but never typo-corrected."""
        out: list[str] = []
        for word in split_words(unicodedata.normalize("NFKC", phrase)):
            rewritten = None if _is_name_letter(word) else self.rewrites.get(word.lower())
            out.extend(self.fold(w) for w in (rewritten.split() if rewritten else [word]))
        return tuple(out)

    def correct(self, word: str) -> str | None:
        """The vocabulary word one or two edits away, or None."""
        if word in self._corrections:
            return self._corrections[word]
        best: str | None = None
        # imported here, not at the top: ~5 ms and ~5 MB a start, and most questions need no fix
        from rapidfuzz import process
        from rapidfuzz.distance import OSA, Indel

        if len(word) >= 4 and word.isalpha():
            max_edits = 2 if len(word) >= 8 else 1
            candidates: list[str] = []
            for length in range(len(word) - max_edits, len(word) + max_edits + 1):
                candidates.extend(self._by_length.get(length, ()))
            found = process.extract(word, candidates, scorer=OSA.distance,
                                    score_cutoff=max_edits, limit=None)
            if found:
                # fewest edits first; among equals the closest in letters shared, then a-z
                best = min(found, key=lambda m: (m[1], -Indel.normalized_similarity(word, m[0]), m[0]))[0]
            elif len(word) >= 6:
                # two letters swapped for others ("compair"): same start, at most one letter
                # dropped and one added, and only when a single word is that close
                near = [w for w in process.extract(word, candidates, scorer=Indel.distance, score_cutoff=2, limit=None)
                        if w[0][:2] == word[:2]]
                if len(near) == 1:
                    best = near[0][0]
        if len(self._corrections) < 50_000:
            self._corrections[word] = best
        return best

    def tokens(self, text: str) -> tuple[Token, ...]:
        out: list[Token] = []
        for index, typed in enumerate(split_words(text)):
            key = (typed, index == 0)
            found = self._word_memo.get(key)
            if found is None:
                found = self._word_tokens(typed, index == 0)
                if len(self._word_memo) < 50_000:
                    self._word_memo[key] = found
            out.extend(found)
        return tuple(out)

    def _word_tokens(self, typed: str, first: bool) -> tuple[Token, ...]:
        lower = typed.lower()
        # a lone capital letter is a name, never chat-speak for "are"
        if _is_name_letter(typed):
            return (Token(lower, typed),)
        rewritten = self.rewrites.get(lower)
        if rewritten is not None:
            return tuple(Token(self.fold(part), typed) for part in rewritten.split())
        word = self.fold(lower)
        if word in self.vocabulary or not word.isalpha():
            return (Token(word, typed),)
        fixed = self.correct(word)
        if fixed is not None and typed[:1].isupper() and not first and fixed in self.function_words:
            fixed = None
        if fixed is None:
            return (Token(word, typed),)
        return (Token(self.fold(fixed), typed, corrected=True),)
