"""Canned test files are strict: every problem is reported at its file:line, all at once,
and no input whatever makes validation raise."""

from __future__ import annotations

import textwrap

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.testing.spec import Known, find_files, parse_text, validate
from bot.yamlsource import MarkedDict, MarkedList

KNOWN = Known(
    intents=("role_overview", "role_skills", "greeting", "out_of_scope"),
    roles=("mlops_engineer", "nlp_engineer"),
    levels=("entry", "mid", "senior", "leadership"),
    skills=("Docker", "PyTorch", "Hugging Face"),
)


def parse(text: str):
    return parse_text(textwrap.dedent(text), "t.yaml", KNOWN)


def messages(text: str) -> list[str]:
    test_file, problems = parse(text)
    assert test_file is None
    return [str(p) for p in problems]


def test_a_valid_file_becomes_frozen_specs():
    test_file, problems = parse("""\
        conversations:
          - name: basics
            turns:
              - ask: what does an MLOps engineer do
                intent: role_overview
                roles: [mlops_engineer]
                skills: [docker]
                level: null
                answer_has: [pipelines]
                answer_lacks: [OpenCV]
                answer_matches: "pipe.*lines"
                min_confidence: 0.5
              - ask: hi
        """)
    assert problems == []
    assert test_file is not None
    (conversation,) = test_file.conversations
    assert conversation.name == "basics" and conversation.line == 2
    first, second = conversation.turns
    assert first.line == 4 and second.line == 13
    assert first.roles == ("mlops_engineer",) and first.skills == ("docker",)
    assert first.checks_level and first.level is None
    assert first.min_confidence == 0.5
    assert second.intent is None and not second.checks_level and second.roles is None


TURN = "of turn 1 of conversation 'c'"
IN_TURN = "in turn 1 of conversation 'c'"


@pytest.mark.parametrize("turn, expected", [
    ("intnet: role_overview", f"unknown key 'intnet' {IN_TURN} (did you mean 'intent'?)"),
    ("intent: role_overviw", f"unknown intent 'role_overviw' {IN_TURN} (did you mean 'role_overview'?)"),
    ("roles: [mlops]", "unknown role id 'mlops'"),
    ("roles: mlops_engineer", f"roles {TURN} must be a list, not text"),
    ("skills: [Cobol]", "unknown skill 'Cobol'"),
    ("level: middle", "unknown level 'middle'"),
    ("answer_has: pipelines", f"answer_has {TURN} must be a list"),
    ("answer_has: ['']", f"item 1 of answer_has {IN_TURN} is empty"),
    ("answer_lacks: [3]", f"item 1 of answer_lacks {IN_TURN} must be text, not a number (3); put it in quotes"),
    ("answer_matches: '(unclosed'", f"answer_matches {TURN} is not a valid regular expression"),
    ("min_confidence: 1.5", f"min_confidence {TURN} must be from 0 to 1, not 1.5"),
    ("min_confidence: -0.1", f"min_confidence {TURN} must be from 0 to 1"),
    ("min_confidence: .nan", f"min_confidence {TURN} must be from 0 to 1"),
    ("min_confidence: high", f"min_confidence {TURN} must be a number from 0 to 1, not text"),
    ("min_confidence: true", f"min_confidence {TURN} must be a number from 0 to 1, not a yes/no"),
])
def test_each_bad_turn_key_is_named_at_its_line(turn, expected):
    found = messages(f"""\
        conversations:
          - name: c
            turns:
              - ask: hello
                {turn}
        """)
    assert len(found) == 1, found
    assert found[0].startswith("t.yaml:5: " + expected), found


@pytest.mark.parametrize("ask, expected", [
    ('""', "ask of turn 1 of conversation 'c' is empty"),
    ("'   '", "ask of turn 1 of conversation 'c' is empty"),
    ("2", "must be text, not a number (2); put it in quotes"),
    ("[a, b]", "must be text, not a list"),
    ("", "must be text, not nothing (null)"),
])
def test_ask_must_be_a_non_empty_text(ask, expected):
    found = messages(f"""\
        conversations:
          - name: c
            turns:
              - ask: {ask}
        """)
    assert found == [f"t.yaml:4: {found[0].split(': ', 1)[1]}"]
    assert expected in found[0]


def test_all_problems_are_reported_at_once_in_line_order():
    found = messages("""\
        conversations:
          - name: dup
            turns:
              - ask: hi
                intent: nope
          - name: dup
            turns: []
          - turns:
              - what
            extra: 1
          - name: fine
            turns:
              - ask: hi
                roles: [ghost]
        """)
    assert found == [
        "t.yaml:5: unknown intent 'nope' in turn 1 of conversation 'dup'",
        "t.yaml:6: duplicate conversation name 'dup' (first at line 2)",
        "t.yaml:7: conversation 'dup' has no turns",
        "t.yaml:8: conversation 3 has no 'name'",
        "t.yaml:9: turn 1 of conversation 3 must be a mapping with an 'ask' key, not text",
        "t.yaml:10: unknown key 'extra' in conversation 3 (allowed: name, turns)",
        found[-1],
    ]
    assert found[-1].startswith("t.yaml:14: unknown role id 'ghost' in turn 1 of conversation 'fine'")


@pytest.mark.parametrize("text, expected", [
    ("", "t.yaml:1: a test file must be a mapping with 'conversations', but this one is empty"),
    ("- a\n- b\n", "t.yaml:1: a test file must be a mapping with 'conversations', but this one is a list"),
    ("turns: []\n", "t.yaml:1: unknown key 'turns' in the file (allowed: conversations)"),
    ("conversations: []\n", "t.yaml:1: conversations is empty"),
    ("conversations: {}\n", "t.yaml:1: conversations must be a list, not a mapping"),
    ("conversations:\n  - name: x\n", "t.yaml:2: conversation 'x' has no 'turns'"),
    ("conversations:\n  - name: [x]\n    turns: [{ask: hi}]\n", "t.yaml:2: name of conversation 1 must be text"),
    ("conversations:\n  - name: x\n    turns:\n      - ask: hi\n        ask: ho\n", "t.yaml:5: duplicate key 'ask'"),
    ("conversations: [\n", "t.yaml:2:"),
    ("a: !!python/object:os.system x\n", "t.yaml:1:"),
])
def test_malformed_files_are_problems_not_tracebacks(text, expected):
    found = messages(text)
    assert found and found[0].startswith(expected), found


def test_ids_come_from_the_knowledge_base_given():
    text = "conversations:\n  - name: c\n    turns:\n      - ask: hi\n        roles: [data_roles_analyst]\n"
    assert parse_text(text, "t.yaml", KNOWN)[0] is None
    other = Known(KNOWN.intents, ("data_roles_analyst",), KNOWN.levels, KNOWN.skills)
    assert parse_text(text, "t.yaml", other)[1] == []


def test_directories_mean_every_yaml_file_below_them(tmp_path):
    (tmp_path / "a.yaml").write_text("x")
    (tmp_path / "deep" / "er").mkdir(parents=True)
    (tmp_path / "deep" / "er" / "b.chat.yaml").write_text("x")
    (tmp_path / "notes.txt").write_text("x")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "c.yaml").write_text("x")
    (tmp_path / "empty").mkdir()
    files, problems = find_files([str(tmp_path), str(tmp_path / "a.yaml"), str(tmp_path / "missing.yaml"),
                                  str(tmp_path / "empty")])
    assert [f.relative_to(tmp_path).as_posix() for f in files] == ["a.yaml", "deep/er/b.chat.yaml"]
    assert [p.message for p in problems] == ["no such file or directory",
                                             "no *.yaml test files below this directory"]


_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=8),
                     st.sampled_from(["ask", "intent", "roles", "role_overview", "mlops_engineer", "(", ""]))


def _marked(value):
    """Plain data -> the Marked containers the YAML reader builds (without line marks)."""
    if isinstance(value, dict):
        out = MarkedDict({k: _marked(v) for k, v in value.items()})
        out.key_lines = {}
        return out
    if isinstance(value, list):
        out = MarkedList(_marked(v) for v in value)
        out.item_lines = []
        return out
    return value


_keys = st.sampled_from(["conversations", "name", "turns", "ask", "intent", "roles", "skills", "level",
                         "answer_has", "answer_lacks", "answer_matches", "min_confidence", "other"])
_docs = st.recursive(_scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                      st.dictionaries(_keys, inner, max_size=5)),
                     max_leaves=20)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_docs)
def test_validation_never_raises(doc):
    test_file, problems = validate(_marked(doc), "f.yaml", KNOWN)
    assert (test_file is None) == bool(problems)
