"""The shipped example knowledge base, examples/data-roles: facts only (the built-in language
files are borrowed), valid without warnings, and its own canned tests pass with the same
engine, through the contract's commands (`--knowledge DIR`, `MLBOT_KNOWLEDGE`)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.cli import main
from bot.loader import INTENT_IDS, check_knowledge, load_knowledge

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "data-roles"
TESTS = EXAMPLE / "tests"
DOC = ROOT / "docs" / "knowledge.md"


@pytest.fixture(autouse=True)
def no_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLBOT_NO_CACHE", "1")
    monkeypatch.delenv("MLBOT_KNOWLEDGE", raising=False)


def canned_turns() -> list[dict[str, Any]]:
    turns: list[dict[str, Any]] = []
    for path in sorted(TESTS.glob("*.chat.yaml")):
        for conversation in yaml.safe_load(path.read_text(encoding="utf-8"))["conversations"]:
            turns += conversation["turns"]
    return turns


def test_the_example_is_facts_only() -> None:
    assert sorted(p.name for p in (EXAMPLE / "facts").iterdir()) == [
        "career.yaml", "notes.yaml", "roles.yaml", "skills.yaml"]
    assert not (EXAMPLE / "language").exists()  # borrowed from the built-in knowledge base


def test_the_example_is_valid_without_warnings() -> None:
    knowledge, problems = check_knowledge(EXAMPLE)
    assert knowledge is not None
    assert [str(p) for p in problems] == []
    assert knowledge.facts.title == "Data Job Roles"
    assert len(knowledge.facts.levels) == 5


def test_mlbot_validate_accepts_the_example(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--knowledge", str(EXAMPLE), "validate"]) == 0
    out = capsys.readouterr().out
    assert "10 roles, 18 skills, 5 levels" in out
    assert "warning" not in out


def test_the_canned_tests_pass(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["--knowledge", str(EXAMPLE), "test", str(TESTS)])
    out = capsys.readouterr().out
    last = out.strip().splitlines()[-1]
    assert status == 0, out
    conversations = sum(len(yaml.safe_load(p.read_text(encoding="utf-8"))["conversations"])
                        for p in TESTS.glob("*.chat.yaml"))
    assert last == f"{conversations} passed, 0 failed"


def test_the_canned_tests_need_the_example(capsys: pytest.CaptureFixture[str]) -> None:
    # against the built-in notes the example's ids are unknown: the runner must refuse them
    assert main(["test", str(TESTS)]) != 0
    captured = capsys.readouterr()
    assert "data_engineer" in captured.out + captured.err


def test_the_canned_tests_cover_every_intent_and_role() -> None:
    turns = canned_turns()
    assert {t["intent"] for t in turns if "intent" in t} == set(INTENT_IDS)
    named = {r for t in turns for r in t.get("roles") or []}
    facts = load_knowledge(EXAMPLE).facts
    assert named == {role.id for role in facts.roles}


def test_the_environment_variable_selects_the_example(monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("MLBOT_KNOWLEDGE", str(EXAMPLE))
    assert main(["ask", "--json", "which roles use dbt?"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["intent"] == "roles_for_skill"
    assert answer["entities"]["skills"] == ["dbt"]
    assert "Analytics Engineer" in answer["answer"]


def test_a_role_of_the_built_in_notes_is_out_of_scope_here(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--knowledge", str(EXAMPLE), "ask", "--json", "what does an MLOps engineer do?"]) == 1
    answer = json.loads(capsys.readouterr().out)
    assert answer["intent"] == "out_of_scope"
    assert answer["entities"]["roles"] == []


def test_the_documented_small_example_works(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    """docs/knowledge.md's complete example, files and canned test, as a reader would copy it."""
    files = re.findall(r"`(webroles/[\w/.]+)`\n```yaml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert sorted(name for name, _ in files) == [
        "webroles/facts/career.yaml", "webroles/facts/notes.yaml", "webroles/facts/roles.yaml",
        "webroles/facts/skills.yaml", "webroles/tests/web.chat.yaml"]
    for name, body in files:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(body, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["--knowledge", "webroles", "validate"]) == 0
    assert "ok: webroles: 3 roles, 6 skills, 2 levels" in capsys.readouterr().out
    assert main(["--knowledge", "webroles", "test", "webroles/tests"]) == 0
    assert capsys.readouterr().out.strip().endswith("2 passed, 0 failed")
    assert main(["--knowledge", "webroles", "ask", "what does a mobile developer do?"]) == 1
    assert "don't name a Mobile Developer role" in capsys.readouterr().out
