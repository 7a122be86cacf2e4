"""The behaviour suite (tests/behaviour/*.chat.yaml) stays complete: every intent of the
contract, every role id, and every fact of the notes in some turn's `answer_has`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.loader import INTENT_IDS
from bot.testing.spec import Conversation, find_files, known_from_knowledge, load_file

SUITE = Path(__file__).parent / "behaviour"


@pytest.fixture(scope="module")
def conversations(knowledge) -> list[Conversation]:
    files = sorted(SUITE.glob("*.chat.yaml"))
    assert files, "no behaviour suite"
    known = known_from_knowledge(knowledge)
    found: list[Conversation] = []
    for path in files:
        test_file, problems = load_file(path, known)
        assert not problems, problems
        assert test_file is not None
        found += test_file.conversations
    return found


def test_every_intent_and_role_id_is_tested(conversations, knowledge):
    turns = [t for c in conversations for t in c.turns]
    assert {t.intent for t in turns if t.intent} == set(INTENT_IDS)
    assert {r for t in turns for r in t.roles or ()} == set(knowledge.facts.role_by_id)


def test_context_conversations_are_multi_turn(conversations):
    context = [c for c in conversations if c.path.endswith("context.chat.yaml")]
    assert len(context) >= 10 and all(len(c.turns) >= 2 for c in context)


def test_every_fact_of_the_notes_is_asked_for(conversations, knowledge):
    facts_file = [c for c in conversations if c.path.endswith("facts.chat.yaml")]
    expected = " | ".join(s.lower() for c in facts_file for t in c.turns for s in t.answer_has)
    f = knowledge.facts
    wanted: list[str] = [*f.introduction, *(c.text for c in f.common_skills), *f.summary]
    for role in f.roles:
        if role.in_table:
            wanted += [role.focus or "", *role.skills, *role.tasks]
    for level in f.levels:
        # "Data Scientist (ML-focused)" is "Data Scientist (with ML focus)" in the path
        wanted += [level.word] + [re.sub(r"\s*\(.*\)", "", f.role_by_id[r].name) for r in level.roles]
    missing = [fact for fact in wanted if fact.lower() not in expected]
    assert not missing


def test_pending_gaps_stay_valid_but_out_of_pytest(knowledge):
    if not (SUITE / "pending").is_dir():
        return  # no open gaps
    files, problems = find_files([str(SUITE / "pending")])
    assert not problems
    for path in files:
        assert not path.name.endswith(".chat.yaml")  # pytest must not collect known gaps
        test_file, file_problems = load_file(path, known_from_knowledge(knowledge))
        assert not file_problems and test_file is not None
