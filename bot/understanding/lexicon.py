"""Stage 1b, built once per knowledge base: what an English lexicon says about the words near
the vocabulary.

Two well-kept word lists decide what the typo corrector may touch and how words inflect:

- pyspellchecker's English frequency list (and simplemma's English forms) say which words are
  ordinary English. An English word is never "corrected" into a vocabulary word: "march" is not
  a typo of "match", nor "bank" of "rank".
- simplemma's English lemma table gives the inflected forms of every vocabulary word, so that
  "fits", "fitted", "suiting" and "needing" match the phrases written with "fit", "suit", "need".

Both libraries are imported only here, only when a knowledge base is built (the result is part
of the cached engine): a warm `mlbot ask` never imports them. Without them (an install that
lacks them) the lexicon is empty and the corrector falls back to its edit-distance rules alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cached_property, lru_cache

from ..mapping import FrozenMap
from ..records import Record, field

# a word is corrected only toward vocabulary words of nearly its length and the same first
# letter; these bound the edits (two for long words), shared with the corrector in normalise.py
LONG_WORD = 8
SHORTEST_CORRECTED = 4
# An English word this frequent in pyspellchecker's list (or in simplemma's forms and not in
# that list) is ordinary; rarer ones ("spacey", "manger") are more likely typos of a name
ORDINARY = 1000
# words this long may also be corrected for two letters swapped for others
SWAPPED_PAIR_LENGTH = 6


def max_edits(length: int) -> int:
    return 2 if length >= LONG_WORD else 1


def plural_stems(word: str) -> tuple[str, ...]:
    """The singulars a plural-looking name could have ("apis" -> "api"), for words the English
    lemma table does not know; "-ss", "-us", "-is" are not plurals."""
    if not word.endswith("s") or word.endswith(("ss", "us", "is")):
        return ()
    out = [word[:-1]]
    if word.endswith("ies"):
        out.insert(0, word[:-3] + "y")
    if word.endswith("es"):
        out.append(word[:-2])
    return tuple(out)


class Lexicon(Record):
    # ordinary English words within correcting distance of a vocabulary word, or that read as two
    # run together, one a line: never rewritten. Kept as one string, read into a set only by a
    # process that meets a word to correct: the cached engine loads faster (most never do)
    protected_words: str = ""
    # an inflected form -> the vocabulary word it is a form of ("fitted" -> "fit")
    lemmas: Mapping[str, str] = field(default_factory=FrozenMap)
    # how common each vocabulary word is in English (0: not an English word), for choosing
    # between equally close corrections
    frequency: Mapping[str, int] = field(default_factory=FrozenMap)

    @cached_property
    def protected(self) -> frozenset[str]:
        return frozenset(self.protected_words.split("\n")) if self.protected_words else frozenset()


@lru_cache(maxsize=1)
def _english() -> tuple[dict[str, int], dict[str, str]]:
    """(word -> frequency, form -> lemma) of English; empty when the libraries are missing.
    Loaded once a process (about 0.3 s): the tests build many engines."""
    try:
        from simplemma.strategies.dictionaries import DefaultDictionaryFactory
        from spellchecker import SpellChecker
    except ImportError:  # pragma: no cover - both are dependencies of the package
        return {}, {}
    frequency = {w: int(n) for w, n in SpellChecker(language="en").word_frequency.dictionary.items()}
    lemmas = {form.lower(): lemma.lower() for form, lemma in DefaultDictionaryFactory().get_dictionary("en").items()
              if form.isalpha()}
    return frequency, lemmas


def build_lexicon(vocabulary: Iterable[str], grammar_words: frozenset[str]) -> Lexicon:
    """The lexicon of one vocabulary. `grammar_words` (be, do, have, pronouns, determiners) are
    never inflected onto: "is" must stay "is", not become "be"."""
    frequency, lemma_of = _english()
    if not frequency and not lemma_of:
        return Lexicon()
    vocabulary = frozenset(vocabulary)
    return Lexicon(
        protected_words="\n".join(sorted(_protected(vocabulary) | _run_together(vocabulary))),
        lemmas=FrozenMap(_inflections(vocabulary, lemma_of, grammar_words)),
        frequency=FrozenMap({w: frequency.get(w, 0) for w in vocabulary if w.isalpha()}),
    )


def _inflections(vocabulary: frozenset[str], lemma_of: Mapping[str, str],
                 grammar_words: frozenset[str]) -> dict[str, str]:
    """Forms whose lemma is a vocabulary word. A form must share its lemma's first three letters:
    suppletive forms ("better" -> "good", "left" -> "leave", "was" -> "be") would make
    unrelated phrases match."""
    out: dict[str, str] = {}
    for form, lemma in lemma_of.items():
        if form in grammar_words:
            continue
        if (form != lemma and lemma in vocabulary and lemma not in grammar_words
                and len(form) >= 3 and form[:3] == lemma[:3]):
            out[form] = lemma
        elif len(form) > 3 and any(s in vocabulary for s in plural_stems(form)):
            # an English word that only looks like a plural of a vocabulary word ("news" is
            # not "new"s): the table keeps it as it is, before any plural rule is tried
            out[form] = form
    return out


@lru_cache(maxsize=1)
def _english_sorted() -> tuple[str, ...]:
    frequency, lemma_of = _english()
    return tuple(sorted(w for w in frequency.keys() | lemma_of.keys()
                        if w.isalpha() and frequency.get(w, ORDINARY) >= ORDINARY))


def _run_together(vocabulary: frozenset[str]) -> frozenset[str]:
    """Ordinary English words that read as two vocabulary words run together ("nothing" is
    not "no thing"): the corrector must not split them. Found by prefix, vocabulary word by
    vocabulary word, so the cost follows the vocabulary."""
    from bisect import bisect_left

    english = _english_sorted()
    _, lemma_of = _english()

    def known(rest: str) -> bool:  # as the normaliser folds it
        return (rest in vocabulary or lemma_of.get(rest) in vocabulary
                or any(s in vocabulary for s in plural_stems(rest)))

    out: set[str] = set()
    for left in vocabulary:
        if len(left) < 2 or not left.isalpha():
            continue
        i = bisect_left(english, left)
        while i < len(english) and english[i].startswith(left):
            word = english[i]
            if word not in vocabulary and known(word[len(left):]):
                out.add(word)
            i += 1
    return frozenset(out)


@lru_cache(maxsize=1)
def _english_buckets() -> dict[tuple[str, int], list[str]]:
    """Ordinary English words by (first letter, length), the corrector's candidate buckets."""
    frequency, lemma_of = _english()
    buckets: dict[tuple[str, int], list[str]] = {}
    for word in frequency.keys() | lemma_of.keys():
        if len(word) >= SHORTEST_CORRECTED and word.isalpha() and frequency.get(word, ORDINARY) >= ORDINARY:
            buckets.setdefault((word[0], len(word)), []).append(word)
    return buckets


def _protected(vocabulary: frozenset[str]) -> frozenset[str]:
    """English words (not in the vocabulary) that the corrector would otherwise bend into a
    vocabulary word: the same first letter, a length within the edit bound, and few enough
    edits. Compared bucket by bucket (first letter, length), so the cost grows with the
    vocabulary, not with its square."""
    from rapidfuzz import process
    from rapidfuzz.distance import OSA, Indel

    buckets = _english_buckets()
    protected: set[str] = set()
    for target in vocabulary:
        if not target.isalpha() or len(target) < SHORTEST_CORRECTED:
            continue
        for length in range(len(target) - 2, len(target) + 3):
            edits = max_edits(length)
            words = buckets.get((target[0], length)) if abs(length - len(target)) <= edits else None
            if words:
                found = process.extract(target, words, scorer=OSA.distance, score_cutoff=edits, limit=None)
                protected.update(word for word, _, _ in found)
                if length >= SWAPPED_PAIR_LENGTH:
                    # the corrector's rule for two letters swapped for others (normalise.py)
                    found = process.extract(target, words, scorer=Indel.distance, score_cutoff=2, limit=None)
                    protected.update(word for word, _, _ in found if word[:2] == target[:2])
    return frozenset(protected - vocabulary)
