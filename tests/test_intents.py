"""Stage 3: intent ranking. Orderings and bounds, not exact scores."""

import pytest

from bot.understanding.entities import read_question
from bot.understanding.intents import rank_intents


@pytest.fixture
def rank(bot):
    def _rank(question, context_roles=0, listed=0):
        reading = read_question(bot.normaliser.tokens(question), bot.index)
        return rank_intents(reading, bot.knowledge.language, context_roles, listed)
    return _rank


@pytest.mark.parametrize("question,intent", [
    ("what does an nlp engineer actually do", "role_overview"),
    ("which technologies must a cv engineer master", "role_skills"),
    ("what are the duties of a data scientist", "role_tasks"),
    ("is spacy something an nlp engineer works with", "role_has_skill"),
    ("nlp engineer versus data scientist", "role_compare"),
    ("who works with kubernetes", "roles_for_skill"),
    ("i am good with pytorch and opencv, what job should i pick", "recommend_role"),
    ("which positions does machine learning have", "list_roles"),
    ("what skills does every ml role need", "common_skills"),
    ("show me the career ladder", "career_path"),
    ("how senior is an ai product manager", "career_level"),
    ("what is the next step after data scientist", "career_next"),
    ("what is machine learning about", "ml_overview"),
    ("give me a recap", "summary"),
    ("hello there", "greeting"),
    ("thanks a lot", "thanks"),
    ("see you later", "goodbye"),
    ("what can you help me with", "help"),
    ("what is the weather in paris", "out_of_scope"),
    # a preamble or the asker's background does not make a question out of scope
    ("sounds hard. what skills does an nlp engineer need?", "role_skills"),
    ("fair enough. what tasks does a data scientist handle?", "role_tasks"),
    ("I'm switching careers from accounting, what abilities does everyone in ML need?", "common_skills"),
    ("which roles don't need docker", "roles_for_skill"),
    ("what's your name", "help"),
    ("What skill set should I screen for when hiring a computer vision engineer?", "role_skills"),
    ("which companies are hiring computer vision engineers right now", "out_of_scope"),
    ("my daughter wants to be an AI product manager. what would her daily work be?", "role_tasks"),
    ("skils 4 data sci", "role_skills"),
    ("post-senior progression?", "career_next"),
    ("who is an AI ethicist", "out_of_scope"),
    ("what even is a computer vision engineer lol", "role_overview"),
])
def test_best_intent(rank, question, intent):
    assert rank(question).best.intent == intent


def test_clear_questions_are_confident_and_vague_ones_less(rank):
    clear = rank("what skills does a computer vision engineer need")
    vague = rank("skills")
    assert clear.confidence > 0.6
    assert vague.confidence < clear.confidence


def test_unknown_role_beats_the_shared_word(rank):
    ranking = rank("what does a data engineer do")
    assert ranking.best.intent == "out_of_scope"
    assert ranking.confidence > 0.5


def test_off_topic_about_a_known_role_is_out_of_scope(rank):
    assert rank("how much does an nlp engineer earn").best.intent == "out_of_scope"


def test_pronoun_needs_a_role_in_the_conversation(rank):
    assert rank("what skills do they need", context_roles=1).best.intent == "role_skills"
    # without a role to refer to, nothing role-specific is allowed to win on the pronoun
    without = rank("what skills do they need", context_roles=0)
    assert without.best.intent != "role_has_skill"


def test_margin_is_best_minus_runner_up(rank):
    ranking = rank("what does an mlops engineer do")
    assert ranking.margin == pytest.approx(ranking.candidates[0].score - ranking.candidates[1].score)
