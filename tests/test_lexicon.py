"""Stage 1b: the English lexicon decides what is a typo, and how vocabulary words inflect."""

import pytest

from bot.understanding import lexicon
from bot.understanding.normalise import Normaliser


def corrected(bot, text):
    return [(t.typed, t.text) for t in bot.normaliser.tokens(text) if t.corrected]


def test_thousands_of_common_english_words_are_never_rewritten(bot):
    frequency, _ = lexicon._english()
    common = sorted((w for w in frequency if w.isalpha() and len(w) >= 4), key=lambda w: -frequency[w])[:4000]
    assert len(common) == 4000
    rewritten = [(w, t.text) for w in common for t in bot.normaliser.tokens(w) if t.corrected]
    assert rewritten == []


@pytest.mark.parametrize("word", ["march", "card", "meetings", "roll", "dice", "score", "bank", "todo",
                                  "mind", "male", "chef", "keep", "analytics", "boss", "cheese"])
def test_ordinary_words_near_the_vocabulary_stay_as_typed(bot, word):
    assert corrected(bot, f"tell me about the {word}") == []


@pytest.mark.parametrize("typed,meant", [
    ("machin lerning enginer", ["machine", "learn", "engineer"]),
    ("pytorh", ["pytorch"]), ("kubernets", ["kubernetes"]), ("spacey", ["spacy"]),
])
def test_real_typos_of_names_are_still_corrected(bot, typed, meant):
    assert [text for _, text in corrected(bot, typed)] == meant


def test_inflected_forms_fold_onto_the_vocabulary_word(bot):
    texts = [t.text for t in bot.normaliser.tokens("fits fitted suiting needing skills")]
    assert texts == ["fit", "fit", "suit", "need", "skill"]


def test_a_phrase_written_with_an_inflection_means_that_form(bot):
    # "roles needing <skill>" asks which roles; "does that role need <skill>" asks one role
    assert "which_roles" in bot.read("roles needing docker")[2].concepts
    assert "which_roles" not in bot.read("does that role need docker")[2].concepts


def test_suppletive_forms_are_not_inflections():
    lex = lexicon.build_lexicon({"good", "leave", "fit"}, frozenset())
    assert "better" not in lex.lemmas and "left" not in lex.lemmas
    assert lex.lemmas["fitted"] == "fit"


def test_grammar_words_never_fold():
    lex = lexicon.build_lexicon({"be", "do", "need"}, frozenset({"is", "does", "do", "be"}))
    assert "is" not in lex.lemmas and "does" not in lex.lemmas
    assert lex.lemmas["needed"] == "need"


def test_without_the_libraries_the_corrector_still_works(monkeypatch):
    monkeypatch.setattr(lexicon, "_english", lambda: ({}, {}))
    empty = lexicon.build_lexicon({"engineer"}, frozenset())
    assert empty == lexicon.Lexicon()
    normaliser = Normaliser({"engineer"}, {}, lexicon=empty)
    assert [t.text for t in normaliser.tokens("enginer")] == ["engineer"]
