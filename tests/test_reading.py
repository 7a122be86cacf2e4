"""Stage 2: the reading stage finds the question inside a message (plain data in and out)."""

from bot.understanding.reading import (
    ASKS_EMBEDDED,
    ASKS_FORM,
    ASKS_MARKED,
    STATES,
    Clause,
    ReadingCues,
    asking_clauses,
    split_clauses,
)

CUES = ReadingCues(question_words=frozenset({"what", "which", "who", "how"}),
                   yes_no_starts=frozenset({"is", "does", "can", "do"}),
                   imperatives=frozenset({"tell", "explain", "list"}), fillers=frozenset({"and", "so", "ok"}))


def kinds(text):
    return [(c.text, c.asks) for c in split_clauses(text, CUES)]


def test_one_plain_sentence_is_one_clause():
    assert kinds("what does a robot do") == [("what does a robot do", ASKS_FORM)]


def test_a_lead_in_sentence_is_background():
    clauses = split_clauses("I bake bread for a living. Which jobs suit me?", CUES)
    asking, background = asking_clauses(clauses, lambda c: False)
    assert [c.text for c in asking] == ["Which jobs suit me?"]
    assert [c.text for c in background] == ["I bake bread for a living."]


def test_a_comma_opens_a_clause_only_after_a_lead_in_that_asks_nothing():
    assert kinds("as a baker, what should I learn?") == [("as a baker", STATES), ("what should I learn?", ASKS_MARKED)]
    # the rest of one question, or a list, stays in its clause
    assert len(kinds("what about a baker, would they?")) == 1
    assert len(kinds("I like bread, cake and pie")) == 1


def test_an_embedded_question_asks_when_nothing_asks_more_plainly():
    clauses = split_clauses("I sell shoes. I never understood what a robot does", CUES)
    assert [c.asks for c in clauses] == [STATES, ASKS_EMBEDDED]
    asking, _ = asking_clauses(clauses, lambda c: False)
    assert asking[0].text.startswith("I never understood")


def test_a_question_mark_beats_a_question_form():
    clauses = split_clauses("Tell me about robots. What do they build?", CUES)
    asking, background = asking_clauses(clauses, lambda c: False)
    assert [c.text for c in asking] == ["What do they build?"] and len(background) == 1


def test_the_first_of_two_questions_is_the_one_asked():
    asking, background = asking_clauses(split_clauses("What do robots do? Is it hard?", CUES), lambda c: False)
    assert [c.text for c in asking] == ["What do robots do?"] and [c.text for c in background] == ["Is it hard?"]


def test_when_nothing_asks_the_small_talk_clause_is_the_message():
    clauses = split_clauses("I have to pick up the kids now. Bye!", CUES)
    asking, _ = asking_clauses(clauses, lambda c: c.text.startswith("Bye"))
    assert [c.text for c in asking] == ["Bye!"]
    whole, background = asking_clauses(clauses, lambda c: False)
    assert whole == clauses and background == ()


def test_fillers_before_a_question_word_do_not_hide_it():
    assert kinds("ok so which one") == [("ok so which one", ASKS_FORM)]


def test_a_dot_inside_a_name_does_not_end_a_sentence():
    assert len(kinds("does a robot use node.js")) == 1


def test_clause_records_are_plain_data():
    assert Clause("x", STATES) == Clause("x", STATES)


# --- the engine reads the intent from the asking clause --------------------------------

def ask(bot, text):
    return bot.answer(text)


def test_the_lead_in_neither_vetoes_nor_picks_the_intent(bot):
    a = ask(bot, "I'm redoing my CV tonight for ML engineer applications. Which skills do they need?")
    assert a.intent == "role_skills" and a.roles == ("ml_engineer",)


def test_background_roles_are_what_a_question_without_a_role_is_about(bot):
    a = ask(bot, "I've worked as a junior ML engineer for two years. What's the next step up for me?")
    assert a.intent == "career_next" and a.roles == ("junior_ml_engineer",)


def test_background_skills_feed_a_recommendation(bot):
    a = ask(bot, "I spend my weekends playing with OpenCV and PyTorch. Which role would suit me?")
    assert a.intent == "recommend_role" and "Computer Vision Engineer" in a.text


def test_it_refers_to_the_field_named_in_the_background(bot):
    a = ask(bot, "My uncle keeps talking about machine learning. How would you explain it to him?")
    assert a.intent == "ml_overview"


def test_it_refers_to_an_unknown_thing_of_the_background(bot):
    assert ask(bot, "I misplaced my umbrella, can you help me find it?").intent == "out_of_scope"


def test_a_title_in_the_background_is_the_askers_own(bot):
    a = ask(bot, "As a bookkeeper, what skills would help me become a data scientist?")
    assert a.intent == "role_skills" and a.roles == ("data_scientist",)


def test_off_topic_words_of_the_background_do_not_veto(bot):
    a = ask(bot, "My salary is terrible and I want a change. What does an MLOps engineer do?")
    assert a.intent == "role_overview" and a.roles == ("mlops_engineer",)


def test_a_one_word_alias_after_a_possessive_is_a_thing_owned(bot):
    reading = bot.read("can you look at my CV")[2]
    assert reading.roles == ()


def test_explain_shows_the_asking_clause_and_the_deciding_rule(bot):
    from bot.render import render_explanation

    answer = ask(bot, "I bake bread for a living. What does an NLP engineer do?")
    text = render_explanation(answer)
    assert 'asking clause: "What does an NLP engineer do?"' in text
    assert 'decided: role_overview by the rule "best intent"' in text
    follow_up = bot.answer("and a data scientist?", answer.context)
    assert "ellipsis" in render_explanation(follow_up)


def test_who_in_mid_sentence_is_relative_not_a_question(bot):
    assert "which_roles_hint" not in bot.read("a role for someone who knows docker")[2].concepts
    assert "which_roles_hint" in bot.read("and who uses docker?")[2].concepts
    assert ask(bot, "which role suits someone who loves Docker and Kubernetes?").intent == "recommend_role"


def test_a_pronoun_brings_the_backgrounds_off_topic_words_along(bot):
    a = ask(bot, "I have a job interview at a bank on Monday. What will they ask an NLP engineer?")
    assert a.intent == "out_of_scope"


def test_names_before_the_question_are_its_topic(bot):
    a = ask(bot, "NLP engineer vs data scientist, where does one stop and the other start?")
    assert a.intent == "role_compare" and set(a.roles) == {"nlp_engineer", "data_scientist"}


def test_a_skill_noun_a_few_words_on_makes_a_role_name_the_skill(bot):
    a = ask(bot, "which positions have MLOps listed as one of their skills?")
    assert a.intent == "roles_for_skill" and a.skills == ("MLOps",)


def test_the_top_of_the_ladder_is_a_level_question(bot):
    a = ask(bot, "what is the highest position you can reach?")
    assert a.intent == "career_level" and a.level == bot.knowledge.facts.levels[-1].id
    assert ask(bot, "what is the next step after entry level?").intent == "career_next"


def test_a_named_company_is_out_of_scope(bot):
    assert ask(bot, "what does the head of AI at Initech actually do?").intent == "out_of_scope"
    assert ask(bot, "what does the head of AI do?").intent != "out_of_scope"


def test_a_role_named_after_kind_of_in_a_hiring_question_is_the_kind_asked_for(bot):
    a = ask(bot, "We want to add face recognition to our shop cameras. Which kind of ML engineer should we hire?")
    assert a.intent == "recommend_role" and "Computer Vision Engineer" in a.text


def test_a_question_about_roles_takes_the_skills_the_asker_listed(bot):
    a = ask(bot, "I tinker with OpenCV at weekends, which ML career would suit that?")
    assert a.skills == ("OpenCV",) and "Computer Vision Engineer" in a.text
    assert ask(bot, "I write code all day. Which ML roles are entry level?").intent == "career_level"
