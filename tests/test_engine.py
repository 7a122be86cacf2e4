"""The Bot façade: confidence bands, did-you-mean, suggestions, the JSON shape."""


def test_json_shape_matches_the_contract(bot):
    data = bot.answer("what does an mlops enginer do").to_json()
    assert set(data) == {"question", "intent", "confidence", "entities", "answer", "sources", "suggestions"}
    assert set(data["entities"]) == {"roles", "skills", "level"}
    assert data["intent"] == "role_overview" and data["entities"]["roles"] == ["mlops_engineer"]
    assert 0.0 <= data["confidence"] <= 1.0
    assert "roles/mlops_engineer" in data["sources"]


def test_middling_match_answers_and_offers_the_runner_up(bot):
    a = bot.answer("mlops engineer tasks skills")
    assert a.intent in ("role_skills", "role_tasks") and a.understood
    assert a.confidence < 0.55
    hint = a.suggestions[0]
    assert hint.startswith("Did you mean") and "MLOps Engineer" in hint
    assert hint.count("Did you mean") == 1 and hint[len("Did you mean: "):] not in a.suggestions[1:]


def test_weak_match_offers_suggestions_instead_of_an_answer(bot):
    a = bot.answer("skills")
    assert a.intent == "out_of_scope" and not a.understood
    assert a.suggestions
    assert a.confidence < 0.3


def test_clear_question_has_no_did_you_mean(bot):
    a = bot.answer("What skills does a computer vision engineer need?")
    assert a.confidence >= 0.55
    assert not any(s.startswith("Did you mean") for s in a.suggestions)


def test_long_question_is_cut_with_a_notice(bot):
    a = bot.answer("what does an nlp engineer do " + "x" * 5000)
    assert a.notice and len(a.question) <= 1000
    assert a.intent == "role_overview"


def test_answers_are_deterministic(bot):
    first = bot.answer("i know pytorch and opencv, what fits me")
    again = bot.answer("i know pytorch and opencv, what fits me")
    assert first.to_json() == again.to_json()


def test_yes_no_about_a_skill_the_notes_never_name(bot):
    a = bot.answer("do ML jobs need SQL?")
    assert a.intent == "common_skills" and a.text.startswith("No") and "SQL" in a.text
    b = bot.answer("does a data scientist need SQL?")
    assert b.intent == "role_has_skill" and b.text.startswith("No") and "SQL" in b.text


def test_a_capitalised_name_is_not_bent_into_a_function_word(bot):
    a = bot.answer("do ML jobs need Rust?")
    assert "Rust" in a.text
