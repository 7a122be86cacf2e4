"""Stage 1b, built once per knowledge base: what an English lexicon says about words.

Two well-kept word lists decide what the typo corrector may touch and how words inflect:

- pyspellchecker's English frequency list (and simplemma's English forms) say which words are
  ordinary English. An English word is never "corrected" into a vocabulary word ("march" is not
  a typo of "match", nor "bank" of "rank") nor split into two ("nothing" is not "no thing").
  The list is kept in the engine as plain text by first letter, so checking a word costs a set
  lookup, and building the lexicon does not grow with the vocabulary.
- simplemma's English lemma table gives the inflected forms of every vocabulary word, so that
  "fits", "fitted", "suiting" and "needing" match the phrases written with "fit", "suit", "need".

Both libraries are imported only here, only when a knowledge base is built (the result is part
of the cached engine): a warm `mlbot ask` never imports them. Without them (an install that
lacks them) the lexicon is empty and the corrector falls back to its edit-distance rules alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache

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
    # ordinary English words of four letters or more, one a line, by first letter: a word among
    # them is never rewritten. Plain text: the cached engine loads it as fast as a file read
    english_by_letter: Mapping[str, str] = field(default_factory=FrozenMap)
    # an inflected form -> the vocabulary word it is a form of ("fitted" -> "fit")
    lemmas: Mapping[str, str] = field(default_factory=FrozenMap)
    # how common each vocabulary word is in English (0: not an English word), for choosing
    # between equally close corrections
    frequency: Mapping[str, int] = field(default_factory=FrozenMap)

    def is_english(self, word: str) -> bool:
        """Whether `word` (lower case) is an ordinary English word: a substring search of its
        letter's list (tens of microseconds, and the corrector remembers each word's answer),
        never a set built at start-up."""
        return bool(word) and f"\n{word}\n" in self.english_by_letter.get(word[0], "")


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
        english_by_letter=_english_by_letter(),
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
def _english_by_letter() -> FrozenMap[str, str]:
    """Ordinary English words (four letters or more) by first letter, one a line. The same for
    every vocabulary: built once a process."""
    frequency, lemma_of = _english()
    by_letter: dict[str, list[str]] = {}
    for word in frequency.keys() | lemma_of.keys():
        if len(word) >= SHORTEST_CORRECTED and word.isalpha() and frequency.get(word, ORDINARY) >= ORDINARY:
            by_letter.setdefault(word[0], []).append(word)
    # each list starts and ends with a newline, so that "\n<word>\n" finds whole words only
    return FrozenMap({letter: "\n" + "\n".join(sorted(words)) + "\n" for letter, words in by_letter.items()})
