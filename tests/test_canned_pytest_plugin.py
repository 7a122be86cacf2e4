"""The pytest plugin: *.chat.yaml files are collected, one item per conversation named after
it; a failure shows the turn report; an invalid file is a collection error at file:line."""

from __future__ import annotations

import pytest
from test_canned_runner import FAILING, MALFORMED, OTHER_TEST, PASSING, other_knowledge

pytest_plugins = ["pytester"]


def test_passing_file_gives_one_item_per_conversation(pytester: pytest.Pytester):
    pytester.makefile(".chat.yaml", basics=PASSING)
    result = pytester.runpytest("-v")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*basics.chat.yaml::greets back PASSED*",
                                 "*basics.chat.yaml::mlops basics PASSED*"])


def test_failure_shows_the_turn_report(pytester: pytest.Pytester):
    pytester.makefile(".chat.yaml", wrong=FAILING)
    result = pytester.runpytest("-rf")
    result.assert_outcomes(passed=1, failed=1)
    out = result.stdout.str()
    # plain substrings: fnmatch would read "[nlp_engineer]" as a character class
    for expected in (
        "turn 2 of 'wrong on purpose': intent: expected role_skills, got role_overview (wrong.chat.yaml:10)",
        "turn 2 (line 10): what does an MLOps engineer do",
        "- roles: expected [nlp_engineer], got [mlops_engineer]",
        "- answer lacks: 'zebra'",
        "top intents: role_overview",
        "| MLOps Engineer: Manage ML pipelines and production systems.",
        "FAILED wrong.chat.yaml::wrong on purpose - turn 2 of",
    ):
        assert expected in out
    assert "Traceback" not in out
    assert "pytest_plugin.py" not in out  # the report, not the plugin's insides


def test_invalid_file_is_a_collection_error_naming_file_and_line(pytester: pytest.Pytester):
    pytester.makefile(".chat.yaml", broken=MALFORMED)
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([
        "*ERROR collecting broken.chat.yaml*",
        "broken.chat.yaml:5: unknown key 'intnet' in turn 1 of conversation 'broken'*",
        "broken.chat.yaml:7: unknown role id 'data_wizard'*",
    ])
    assert "Traceback" not in result.stdout.str()


def test_only_chat_yaml_is_collected_and_k_selects_conversations(pytester: pytest.Pytester):
    pytester.makefile(".yaml", plain=MALFORMED)  # other YAML (knowledge, pending tests) is left alone
    pytester.makefile(".chat.yaml", basics=PASSING)
    result = pytester.runpytest("-k", "mlops")
    result.assert_outcomes(passed=1, deselected=1)


def test_knowledge_option_picks_the_knowledge_base(pytester: pytest.Pytester):
    kb = other_knowledge(pytester.path)
    pytester.makefile(".chat.yaml", other=OTHER_TEST)
    pytester.runpytest("--mlbot-knowledge", str(kb)).assert_outcomes(passed=1)
    pytester.runpytest().assert_outcomes(errors=1)  # the built-in notes have no such role
