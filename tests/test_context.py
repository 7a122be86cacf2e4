"""Stage 4: conversation context, through Bot.answer with explicit contexts."""

from bot.understanding.context import Context


def talk(bot, *questions):
    context, answers = None, []
    for q in questions:
        a = bot.answer(q, context)
        context = a.context
        answers.append(a)
    return answers


def test_pronoun_carries_the_role(bot):
    a = talk(bot, "tell me about computer vision engineers", "which tools do they use")[-1]
    assert a.intent == "role_skills" and a.roles == ("computer_vision_engineer",)


def test_ellipsis_keeps_the_question_changes_the_role(bot):
    a = talk(bot, "what tasks does an nlp engineer handle", "and for data scientists?")[-1]
    assert a.intent == "role_tasks" and a.roles == ("data_scientist",)


def test_ellipsis_keeps_the_role_changes_the_skill(bot):
    a = talk(bot, "does an mlops engineer use docker", "and opencv?")[-1]
    assert a.intent == "role_has_skill" and a.roles == ("mlops_engineer",) and a.skills == ("OpenCV",)
    assert "not" in a.text.lower()


def test_compare_with_the_previous_role(bot):
    a = talk(bot, "what does an nlp engineer do", "how does it compare to a data scientist")[-1]
    assert a.intent == "role_compare" and set(a.roles) == {"nlp_engineer", "data_scientist"}


def test_a_new_role_replaces_the_old(bot):
    a = talk(bot, "what does an nlp engineer do", "what skills does an mlops engineer need",
             "what level are they")[-1]
    assert a.roles == ("mlops_engineer",)


def test_out_of_scope_keeps_the_context_and_its_form(bot):
    answers = talk(bot, "tell me about nlp engineers", "what's their salary",
                   "what about computer vision engineers", "what skills do they need")
    assert answers[1].intent == "out_of_scope"
    assert answers[2].intent == "out_of_scope"  # the ellipsis keeps the out-of-scope form
    assert answers[3].intent == "role_skills" and answers[3].roles == ("computer_vision_engineer",)


def test_out_of_scope_turn_does_not_wipe_the_role(bot):
    answers = talk(bot, "what does an ai product manager do", "tell me a joke", "what tasks do they have")
    assert answers[2].roles == ("ai_product_manager",)


def test_clarifying_question_then_number_then_word(bot):
    first = talk(bot, "what does an engineer do")[0]
    assert first.intent == "role_overview" and first.roles == () and not first.understood
    assert "1." in first.text
    by_number = bot.answer("2", first.context)
    assert by_number.intent == "role_overview" and len(by_number.roles) == 1
    assert by_number.roles[0] == first.context.listed[1]
    by_word = bot.answer("the nlp one", first.context)
    assert by_word.roles == ("nlp_engineer",)


def test_clarification_picked_by_a_word_of_the_name(bot):
    first = talk(bot, "what skills does a scientist need")[0]
    assert first.roles == ()
    picked = bot.answer("the chief one", first.context)
    assert picked.intent == "role_skills" and picked.roles == ("chief_data_scientist",)


def test_pronoun_after_an_answer_naming_one_role(bot):
    a = talk(bot, "i know docker and kubernetes, which role suits me", "what else do they need to know")[-1]
    assert a.roles == ("mlops_engineer",)


def test_list_then_ordinal(bot):
    answers = talk(bot, "what roles are there", "tell me about the third one")
    assert answers[1].roles == (answers[0].context.listed[2],)


def test_fresh_context_has_nothing():
    assert Context().roles == () and Context().intent is None


def test_compare_the_two_last_roles(bot):
    a = talk(bot, "does an nlp engineer use docker", "what about a data scientist, would they?", "compare the two")[-1]
    assert a.intent == "role_compare" and a.roles == ("nlp_engineer", "data_scientist")


def test_which_one_refers_to_both_compared_roles(bot):
    a = talk(bot, "ml engineer vs mlops engineer", "which one is more senior?")[-1]
    assert a.intent == "career_level" and set(a.roles) == {"ml_engineer", "mlops_engineer"}
    assert "mid" in a.text and "senior" in a.text


def test_compare_with_one_role_asks_for_the_other(bot):
    first = bot.answer("how does a data scientist compare?")
    assert first.intent == "role_compare" and first.roles == () and not first.understood
    second = bot.answer("the nlp one", first.context)
    assert second.intent == "role_compare" and second.roles == ("data_scientist", "nlp_engineer")


def test_levels_compared_say_each_level(bot):
    a = bot.answer("what is the difference between mid and senior level")
    assert a.intent == "career_level"
    assert "Mid Level" in a.text and "Senior Level" in a.text


def test_next_after_a_level_question_follows_the_level(bot):
    a = talk(bot, "which roles are senior", "what comes next")[-1]
    assert a.intent == "career_next" and a.level == "senior"
    assert "Leadership" in a.text


def test_they_after_an_answer_naming_several_roles(bot):
    answers = talk(bot, "which roles use tensorflow?", "what level are they?", "what do they do")
    assert set(answers[1].roles) == {"ml_engineer", "computer_vision_engineer"}
    assert answers[1].intent == "career_level" and answers[2].intent == "role_overview"


def test_and_after_that_walks_up_the_path(bot):
    answers = talk(bot, "what comes after junior ml engineer?", "and after that?", "and after that?",
                   "and after that?")
    assert [a.level for a in answers[1:]] == ["mid", "senior", "leadership"]
    assert "Leadership" in answers[2].text and "nothing after" in answers[3].text


def test_path_between_two_named_roles(bot):
    a = bot.answer("can a data scientist become head of ai")
    assert a.intent == "career_next" and a.roles == ("data_scientist", "head_of_ai")
    assert "Entry Level → Mid Level → Senior Level → Leadership" in a.text


def test_a_follow_up_not_understood_does_not_replace_the_question(bot):
    answers = talk(bot, "what skills does an ml engineer need", "and for blorpers?", "and for data scientists?")
    assert answers[1].intent == "out_of_scope"
    assert answers[2].intent == "role_skills" and answers[2].roles == ("data_scientist",)


def test_clarification_survives_an_out_of_scope_turn(bot):
    answers = talk(bot, "what does an engineer do?", "what's the weather like", "2")
    assert answers[2].intent == "role_overview" and len(answers[2].roles) == 1


def test_a_number_out_of_range_asks_again(bot):
    answers = talk(bot, "what does an engineer do?", "9")
    assert answers[1].roles == () and answers[1].context.listed == answers[0].context.listed
    assert "1." in answers[1].text


def test_ellipsis_with_an_ambiguous_title_keeps_the_question(bot):
    answers = talk(bot, "what skills does a data scientist need", "what about a scientist?", "2")
    assert answers[1].intent == "role_skills" and answers[1].roles == ()
    assert answers[2].intent == "role_skills" and len(answers[2].roles) == 1


def test_follow_up_after_an_unknown_title_keeps_its_question_form(bot):
    answers = talk(bot, "what does a data engineer do?", "what about an MLOps engineer then?")
    assert answers[0].intent == "out_of_scope"
    assert answers[1].intent == "role_overview" and answers[1].roles == ("mlops_engineer",)
    answers = talk(bot, "does a data analyst use Docker?", "what about an MLOps engineer?")
    assert answers[1].intent == "role_has_skill" and answers[1].skills == ("Docker",)


def test_follow_up_after_an_off_topic_question_stays_out_of_scope(bot):
    answers = talk(bot, "how much does an nlp engineer earn?", "and for computer vision engineers?")
    assert answers[1].intent == "out_of_scope"


def test_skill_alone_after_a_role_question_asks_whether_it_uses_it(bot):
    answers = talk(bot, "what does an NLP engineer do?", "what about spaCy?", "and for a CV engineer?")
    assert answers[1].intent == "role_has_skill" and answers[1].skills == ("SpaCy",)
    assert answers[2].intent == "role_has_skill" and answers[2].roles == ("computer_vision_engineer",)
    assert "not" in answers[2].text.lower()


def test_clarified_has_skill_keeps_the_skill(bot):
    answers = talk(bot, "does the engineer use PyTorch?", "computer vision")
    assert answers[1].intent == "role_has_skill" and answers[1].skills == ("PyTorch",)
    assert answers[1].text.lower().startswith("yes")


def test_the_former_and_the_latter_pick_from_the_last_pair(bot):
    answers = talk(bot, "what is the difference between a data scientist and an ml engineer",
                   "what tasks does the latter do?", "and the former?")
    assert answers[1].roles == ("ml_engineer",)
    assert answers[2].intent == "role_tasks" and answers[2].roles == ("data_scientist",)


def test_is_it_above_another_role_keeps_both(bot):
    answers = talk(bot, "what level is an AI product manager?", "is it more senior than a data scientist?")
    assert set(answers[1].roles) == {"ai_product_manager", "data_scientist"}
    assert "the most senior is AI Product Manager" in answers[1].text


def test_get_there_from_another_role_is_the_path_between(bot):
    answers = talk(bot, "I know docker and kubernetes, which role fits me?", "how do I get there from data scientist?")
    assert answers[1].intent == "career_next"
    assert answers[1].roles == ("data_scientist", "mlops_engineer")
    assert "Entry Level → Mid Level → Senior Level" in answers[1].text


def test_it_meaning_the_skill_of_the_conversation(bot):
    answers = talk(bot, "does a data scientist use scikit-learn?", "which roles do list it?")
    assert answers[1].intent == "roles_for_skill" and answers[1].skills == ("Scikit-learn",)
    assert "Machine Learning Engineer" in answers[1].text


def test_a_word_shared_by_several_choices_narrows_the_question(bot):
    answers = talk(bot, "tell me about the scientist role", "data", "the chief one")
    assert answers[1].roles == () and set(answers[1].context.listed) == {"data_scientist", "chief_data_scientist"}
    assert answers[2].roles == ("chief_data_scientist",)


def test_it_as_the_skill_in_a_yes_no_question_about_a_named_role(bot):
    answers = talk(bot, "which roles use TensorFlow?", "does an NLP engineer use it?")
    assert answers[1].intent == "role_has_skill" and answers[1].skills == ("TensorFlow",)
    assert answers[1].text.lower().startswith("not")


def test_after_a_level_question_next_is_about_the_level(bot):
    answers = talk(bot, "which roles are entry level?", "what comes after that?")
    assert answers[1].intent == "career_next" and answers[1].roles == () and "Mid Level" in answers[1].text


def test_own_title_in_a_lead_in_is_not_the_question(bot):
    a = bot.answer("As a hiring manager, how is an AI product manager different from a data scientist?")
    assert a.intent == "role_compare" and set(a.roles) == {"ai_product_manager", "data_scientist"}
    b = bot.answer("I'm a data scientist, what's my next step up?")
    assert b.intent == "career_next" and b.roles == ("data_scientist",)


def test_which_of_them_are_at_a_level(bot):
    answers = talk(bot, "what roles are there?", "which of them are leadership roles?")
    assert answers[1].intent == "career_level" and "Head of AI" in answers[1].text
