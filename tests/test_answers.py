"""Stage 5: answer texts say what the notes say, and nothing of user text is a template."""

import re

import pytest

from bot.answers import fill, join, with_article


def test_fill_is_one_pass_and_ignores_unknown_names():
    assert fill("{a} {b}", {"a": "{b}", "b": "x"}) == "{b} x"
    assert fill("{missing}", {}) == "{missing}"


def test_join_and_articles():
    assert join(["A", "B", "C"]) == "A, B and C"
    assert join(["A"]) == "A"
    assert with_article("MLOps Engineer") == "an MLOps Engineer"
    assert with_article("NLP Engineer") == "an NLP Engineer"
    assert with_article("Data Scientist") == "a Data Scientist"
    assert with_article("AI Product Manager") == "an AI Product Manager"
    assert with_article("Head of AI") == "a Head of AI"


def test_path_only_role_gets_no_invented_duties(bot, knowledge):
    for question in ("what does a head of ai do", "what are the tasks of a head of ai",
                     "what skills does a head of ai need"):
        a = bot.answer(question)
        assert "leadership" in a.text.lower()
        for role in knowledge.facts.roles:
            for task in role.tasks:
                assert task.lower() not in a.text.lower()


def test_has_skill_no_says_not_and_where_it_is(bot):
    a = bot.answer("does an nlp engineer use docker")
    assert a.text.lower().startswith("no")
    assert "MLOps Engineer" in a.text


def test_compare_has_both_focuses_shared_and_own_skills(bot):
    a = bot.answer("machine learning engineer vs computer vision engineer")
    assert "Design, train, and deploy ML models" in a.text
    assert "Work on image/video analysis" in a.text
    assert "both share: TensorFlow" in a.text
    assert "mid" in a.text.lower()


def test_out_of_scope_quotes_no_fact(bot, knowledge):
    a = bot.answer("what does a data engineer do")
    assert a.intent == "out_of_scope"
    for role in knowledge.facts.roles:
        for fact in (role.focus, *role.skills, *role.tasks):
            if fact:
                assert not re.search(rf"\b{re.escape(fact.lower())}\b", a.text.lower())
    assert any("Data Scientist" in s for s in a.suggestions)


@pytest.mark.parametrize("question", ["{0}", "{answer.__class__}", "%s %d", "{{7*7}}", "${HOME}",
                                      "what does a {role} do"])
def test_user_text_is_never_a_template(bot, question):
    a = bot.answer(question)
    assert "<class" not in a.text and "49" not in a.text
    assert a.question == question


def test_recommendation_names_the_role_with_overlapping_skills(bot):
    a = bot.answer("i know nltk and spacy, which job should i go for")
    assert a.intent == "recommend_role" and "NLP Engineer" in a.text


def test_which_roles_do_not_need_a_skill(bot):
    a = bot.answer("which roles don't need docker")
    assert "do not include Docker" in a.text
    assert "NLP Engineer" in a.text and "MLOps Engineer" not in a.text.split(":", 1)[1]
