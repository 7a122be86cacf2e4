"""Stage 1: cleaning, splitting and correcting words."""

from bot.understanding.normalise import MAX_QUESTION_CHARS, Normaliser, clean_line, clean_text, split_words


def make() -> Normaliser:
    vocabulary = {"skill", "engineer", "docker", "kubernetes", "what", "hello", "help", "learn",
                  "earn", "job", "scientist"}
    return Normaliser(vocabulary, {"r": "are", "thx": "thanks", "wat": "what"})


def test_clean_text_removes_escapes_and_controls():
    text, cut = clean_text("hi\x1b[31m red\x1b[0m\x00 \x1b]0;title\x07there\u200f")
    assert text == "hi red there"
    assert not cut


def test_clean_text_cuts_long_input_and_says_so():
    text, cut = clean_text("a" * (MAX_QUESTION_CHARS + 50))
    assert cut and len(text) == MAX_QUESTION_CHARS


def test_clean_line_keeps_plain_text():
    assert clean_line("Key skills: Docker {0} %s") == "Key skills: Docker {0} %s"
    assert "\x1b" not in clean_line("a\x1b[2Jb")


def test_split_words_joins_apostrophes_and_splits_punctuation():
    assert split_words("what's Python/R, scikit-learn?") == ["whats", "Python", "R", "scikit", "learn"]


def test_plurals_fold_onto_known_singulars():
    n = make()
    assert n.fold("skills") == "skill"
    assert n.fold("jobs") == "job"
    assert n.fold("business") == "business"  # -ss is not a plural
    assert n.fold("analysis") == "analysis"


def test_typos_are_corrected_one_edit_away():
    n = make()
    tokens = n.tokens("dokcer enginer scientsit")
    assert [t.text for t in tokens] == ["docker", "engineer", "scientist"]
    assert all(t.corrected for t in tokens)


def test_known_words_and_short_words_are_left_alone():
    n = make()
    # "earn" is one edit from "learn" but is itself known: it must not become "learn"
    assert [t.text for t in n.tokens("earn abc")] == ["earn", "abc"]


def test_ties_prefer_the_closer_spelling():
    # "helo" is one edit from both "hello" and "help"; "hello" shares more letters
    assert make().tokens("helo")[0].text == "hello"


def test_lone_capital_letter_is_a_name_not_shorthand():
    n = make()
    assert [t.text for t in n.tokens("wat skills r")] == ["what", "skill", "are"]
    assert [t.text for t in n.tokens("is R a skill")][1] == "r"
    assert n.tokens("is R a skill")[1].typed == "R"


def test_unknown_words_far_from_the_vocabulary_stay():
    assert make().tokens("backpropagation")[0].text == "backpropagation"


def test_invisible_characters_inside_a_word_do_not_split_it():
    # soft hyphen and joiners vanish; a zero width space stands for a space
    assert clean_text("data sci\u00adentist engi\u200dneer")[0] == "data scientist engineer"
    assert clean_text("an\u200bnlp")[0] == "an nlp"


def test_eight_bit_escape_sequences_leave_no_residue():
    assert clean_text("\x9b31mhello \x9d0;title\x9cthere")[0] == "hello there"
