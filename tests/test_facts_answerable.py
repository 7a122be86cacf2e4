"""Every fact of the notes comes back from a plain question about it.

The questions are built from the knowledge base itself, so a fact added to the YAML is
checked too."""

import pytest

from bot.loader import builtin_dir, load_knowledge

FACTS = load_knowledge(builtin_dir()).facts
TABLE_ROLES = [r for r in FACTS.roles if r.in_table]


def ask(bot, question):
    answer = bot.answer(question)
    return answer, answer.text.lower()


@pytest.mark.parametrize("role", TABLE_ROLES, ids=lambda r: r.id)
def test_focus_skills_and_tasks_of_each_role(bot, role):
    overview, text = ask(bot, f"What does a {role.name} do?")
    assert overview.intent == "role_overview" and overview.roles == (role.id,)
    assert role.focus.lower() in text

    skills, text = ask(bot, f"What skills does a {role.name} need?")
    assert skills.intent == "role_skills"
    for skill in role.skills:
        assert skill.lower() in text

    tasks, text = ask(bot, f"What are the example tasks of a {role.name}?")
    assert tasks.intent == "role_tasks"
    for task in role.tasks:
        assert task.lower() in text


@pytest.mark.parametrize("role", TABLE_ROLES, ids=lambda r: r.id)
def test_each_key_skill_is_confirmed_and_found(bot, role):
    for skill in role.skills:
        has, text = ask(bot, f"Does a {role.name} use {skill}?")
        assert has.intent == "role_has_skill" and skill in has.skills
        assert text.startswith("yes")
        which, text = ask(bot, f"Which roles use {skill}?")
        assert which.intent == "roles_for_skill"
        assert role.name.lower() in text


@pytest.mark.parametrize("level", FACTS.levels, ids=lambda lv: lv.id)
def test_each_level_and_its_roles(bot, level):
    answer, text = ask(bot, f"Which roles are {level.name}?")
    assert answer.intent == "career_level" and answer.level == level.id
    for role_id in level.roles:
        assert FACTS.role_by_id[role_id].name.lower() in text
        placed, text2 = ask(bot, f"What level is a {FACTS.role_by_id[role_id].name}?")
        assert placed.intent == "career_level" and level.word in text2


def test_cross_role_skills_introduction_summary_and_path(bot):
    _, text = ask(bot, "What skills are needed across all ML roles?")
    for item in FACTS.common_skills:
        assert item.text.lower() in text
    _, text = ask(bot, "What is machine learning?")
    for sentence in FACTS.introduction:
        assert sentence.lower() in text
    _, text = ask(bot, "Summarize the notes")
    for point in FACTS.summary:
        assert point.lower() in text
    _, text = ask(bot, "What does the career path look like?")
    for level in FACTS.levels:
        assert level.name.lower() in text
        for role_id in level.roles:
            assert FACTS.role_by_id[role_id].name.lower() in text
