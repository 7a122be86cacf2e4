"""Stage 2: what a question names."""

import pytest

from bot.understanding.entities import read_question


@pytest.fixture
def read(bot):
    def _read(question):
        return read_question(bot.normaliser.tokens(question), bot.index)
    return _read


def test_longest_name_wins(read):
    assert read("what does a chief data scientist do").roles == ("chief_data_scientist",)
    assert read("junior ml engineer vs ml engineer").roles == ("junior_ml_engineer", "ml_engineer")


def test_typos_in_names(read):
    assert read("what does a computr vison enginer do").roles == ("computer_vision_engineer",)
    assert read("which roles use pytroch").skills == ("PyTorch",)


def test_a_name_that_is_both_role_and_skill_reads_by_its_neighbours(read):
    assert read("what does mlops do").roles == ("mlops_engineer",)
    r = read("does a machine learning engineer need mlops skills")
    assert r.roles == ("ml_engineer",) and r.skills == ("MLOps",)


def test_slash_separated_skills_are_separate(read):
    assert read("who uses Python/R").skills == ("Python", "R")


def test_job_title_the_notes_do_not_cover(read):
    assert read("what does a data engineer do").unknown_roles == ("data engineer",)
    assert read("statistician job description").unknown_roles == ("statistician",)
    assert read("what does a data engineer do").roles == ()


def test_bare_job_title_is_ambiguous_not_unknown(read):
    r = read("what does an engineer do")
    assert r.bare_heads == ("engineer",) and not r.unknown_roles


def test_own_job_is_not_a_question_about_a_role(read):
    assert read("i'm a python programmer, which role fits me").unknown_roles == ()


def test_levels_pronouns_ordinals(read):
    assert read("which roles are entry level").level == "entry"
    assert read("what skills do they need").pronoun
    assert read("tell me about the second one").ordinal == 2


def test_unexplained_words_are_counted(read):
    r = read("give me a recipe for banana bread")
    assert "banana" in r.unexplained and "bread" in r.unexplained
    assert read("what does an nlp engineer do").unexplained == ()
