"""Stage 1: text -> clean text -> tokens, with shorthand rewritten, inflections folded onto
vocabulary words and typos corrected toward the vocabulary.

Correction is deliberately narrow: only words that are neither in the vocabulary nor ordinary
English (the lexicon, lexicon.py, says which), only words of four letters or more, only toward
vocabulary words with the same first letter, and one edit away (two for long words), so that
real words are never bent into domain words.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from ..records import Record
from .lexicon import SHORTEST_CORRECTED, SWAPPED_PAIR_LENGTH, Lexicon, max_edits, plural_stems

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


class Token(Record):
    text: str  # the word used for matching: lower case, rewritten, corrected, its lemma ("fitted" -> "fit")
    typed: str  # the word as the user typed it
    corrected: bool = False
    # the word as written, only its -s folded ("roles needing" -> "role needing"), when that
    # differs from `text`: a phrase written with an inflection ("needing") means that form
    form: str = ""


class Normaliser:
    """Turns questions into tokens. Built once per knowledge base; cheap per question."""

    def __init__(self, vocabulary: set[str], rewrites: dict[str, str],
                 function_words: frozenset[str] = frozenset(), lexicon: Lexicon | None = None,
                 name_words: frozenset[str] = frozenset()) -> None:
        self.vocabulary = frozenset(vocabulary)
        # words of the notes' names (roles, skills, levels): at equal edits a typo is one of them
        self.name_words = name_words
        # a capitalised word is a name ("Rust"): never bent into a function word ("just")
        self.function_words = function_words
        self.rewrites = dict(rewrites)
        self.lexicon = lexicon or Lexicon()
        # correction candidates by (first letter, length): a typo keeps its first letter
        buckets: dict[tuple[str, int], list[str]] = {}
        for word in sorted(self.vocabulary):
            # short words are too close to too many others ("card" is not "car")
            if word.isalpha() and len(word) >= SHORTEST_CORRECTED:
                buckets.setdefault((word[0], len(word)), []).append(word)
        self._buckets = buckets
        self._corrections: dict[str, str | None] = {}
        # the tokens of each word as typed (and whether it opened the question): questions
        # repeat words, and a word's reading never changes for one knowledge base
        self._word_memo: dict[tuple[str, bool], tuple[Token, ...]] = {}

    def fold(self, word: str) -> str:
        """Lower-case and fold an inflected form onto the vocabulary word it is a form of: the
        lexicon's table for English words, a plural's singular for names it does not know
        ("APIs")."""
        word = word.lower()
        lemma = self.lexicon.lemmas.get(word)
        if lemma is not None:
            return lemma
        if len(word) > 3:
            for singular in plural_stems(word):
                if singular in self.vocabulary:
                    return singular
        return word

    def fold_form(self, word: str) -> str:
        """A word as a phrase writes it: only an -s ending folded, so a phrase's base form
        ("need") matches every inflection of a question's word while an inflected one
        ("needing") means just that form."""
        word = word.lower()
        return self.fold(word) if word.endswith("s") else word

    def phrase_tokens(self, phrase: str, lemmas: bool = False) -> tuple[str, ...]:
        """Tokens of a phrase from the knowledge base: rewritten and folded like a question's
        words (so "whats" in a phrase reads as "what is"), but never typo-corrected. Each word
        as written (`fold_form`), or its lemma."""
        fold = self.fold if lemmas else self.fold_form
        out: list[str] = []
        for word in split_words(unicodedata.normalize("NFKC", phrase)):
            rewritten = None if _is_name_letter(word) else self.rewrites.get(word.lower())
            out.extend(fold(w) for w in (rewritten.split() if rewritten else [word]))
        return tuple(out)

    def _token(self, word: str, typed: str, corrected: bool = False) -> Token:
        text, form = self.fold(word), self.fold_form(word)
        return Token(text, typed, corrected, "" if form == text else form)

    def correct(self, word: str) -> str | None:
        """The vocabulary word one or two edits away, or None. Ordinary English words are
        never corrected."""
        if word in self._corrections:
            return self._corrections[word]
        best: str | None = None
        if len(word) >= SHORTEST_CORRECTED and word.isalpha() and not self.lexicon.is_english(word):
            best = self._nearest(word)
        if len(self._corrections) < 50_000:
            self._corrections[word] = best
        return best

    def _split(self, word: str) -> tuple[str, str] | None:
        """Two vocabulary words run together ("whatdoes"), longest first half first. Only for
        words that are neither known nor ordinary English."""
        if len(word) < 5 or self.lexicon.is_english(word):
            return None
        for cut in range(len(word) - 2, 1, -1):
            left, right = word[:cut], word[cut:]
            if left in self.vocabulary and self.fold(right) in self.vocabulary:
                return left, right
        return None

    def _nearest(self, word: str) -> str | None:
        # imported here, not with the module: ~5 ms and ~5 MB a start, and most questions need no fix
        from rapidfuzz import process
        from rapidfuzz.distance import OSA, Indel

        edits = max_edits(len(word))
        candidates: list[str] = []
        for length in range(len(word) - edits, len(word) + edits + 1):
            candidates.extend(self._buckets.get((word[0], length), ()))
        found = process.extract(word, candidates, scorer=OSA.distance, score_cutoff=edits, limit=None)
        if found:
            # fewest edits first; among equals a word of a name, then the closest in letters
            # shared, then the more common word, then a-z
            frequency = self.lexicon.frequency
            names = self.name_words
            return min(found, key=lambda m: (m[1], m[0] not in names, -Indel.normalized_similarity(word, m[0]),
                                             -frequency.get(m[0], 0), m[0]))[0]
        if len(word) >= SWAPPED_PAIR_LENGTH:
            # two letters swapped for others ("compair"): same start, at most one letter
            # dropped and one added, and only when a single word is that close
            near = [w for w in process.extract(word, candidates, scorer=Indel.distance, score_cutoff=2, limit=None)
                    if w[0][:2] == word[:2]]
            if len(near) == 1:
                return near[0][0]
        return None

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
            return tuple(self._token(part, typed) for part in rewritten.split())
        word = self.fold(lower)
        if word in self.vocabulary or not word.isalpha():
            return (self._token(lower, typed),)
        halves = self._split(word)
        if halves is not None:
            return tuple(self._token(half, typed, corrected=True) for half in halves)
        fixed = self.correct(word)
        if fixed is not None and typed[:1].isupper() and not first and fixed in self.function_words:
            fixed = None
        if fixed is None:
            return (self._token(lower, typed),)
        return (self._token(fixed, typed, corrected=True),)
