"""`mlbot validate` warnings (bot/lint.py): likely mistakes of a knowledge base that loads,
each at the file and line to fix."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.cli import main
from bot.lint import likely_mistakes, mentions, phrase_key, spelling_key
from bot.loader import Problem, builtin_dir, check_knowledge, load_knowledge

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "data-roles"


def warnings_of(directory: Path) -> list[Problem]:
    knowledge, problems = check_knowledge(directory)
    assert knowledge is not None, "\n".join(str(p) for p in problems if not p.warning)
    return [p for p in problems if p.warning]


def line_with(path: Path, text: str, after: str | None = None) -> int:
    """1-based number of the first line containing `text` (after the line containing `after`)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start = 0
    if after is not None:
        start = next(i for i, line in enumerate(lines) if after in line) + 1
    return next(i for i, line in enumerate(lines[start:], start + 1) if text in line)


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    """A private copy of the example knowledge base (facts only: language is borrowed)."""
    target = tmp_path / "kb"
    shutil.copytree(EXAMPLE / "facts", target / "facts")
    return target


def edit(kb: Path, name: str, old: str, new: str) -> Path:
    path = kb / "facts" / name
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def append(kb: Path, name: str, text: str) -> Path:
    path = kb / "facts" / name
    path.write_text(path.read_text(encoding="utf-8").rstrip("\n") + "\n" + text, encoding="utf-8")
    return path


def only(warnings: list[Problem], needle: str) -> Problem:
    found = [w for w in warnings if needle in w.message]
    assert len(found) == 1, (
        f"expected one warning with {needle!r}, got: {[str(w) for w in warnings]}"
    )
    return found[0]


# --- clean knowledge bases -------------------------------------------------------------------


@pytest.mark.parametrize("directory", [builtin_dir(), EXAMPLE], ids=["built-in", "data-roles"])
def test_shipped_knowledge_bases_have_no_warnings(directory: Path) -> None:
    assert [str(w) for w in warnings_of(directory)] == []


def test_the_copy_is_clean_before_each_edit(kb: Path) -> None:
    assert warnings_of(kb) == []


# --- names ---------------------------------------------------------------------------------


def test_alias_shared_by_two_roles(kb: Path) -> None:
    path = edit(kb, "roles.yaml", "aliases: [data lead,", "aliases: [data lead, etl engineer,")
    w = only(warnings_of(kb), "'etl engineer' names both")
    assert (w.path, w.line) == (str(path), line_with(path, "aliases: [data lead, etl engineer"))
    assert "'data_engineer'" in w.message and "'head_of_data'" in w.message
    assert f"line {line_with(path, 'etl engineer,')}" in w.message  # where the first owner says it


def test_alias_equal_to_another_roles_name(kb: Path) -> None:
    path = edit(kb, "roles.yaml", "aliases: [data lead,", "aliases: [data lead, Analytics-Manager,")
    w = only(warnings_of(kb), "is the name of role 'analytics_manager'")
    assert w.line == line_with(path, "Analytics-Manager")
    assert f"(line {line_with(path, 'name: Analytics Manager')})" in w.message


def test_skill_spelled_two_ways(kb: Path) -> None:
    path = append(
        kb, "skills.yaml", "  - {name: PowerBI Desktop, aliases: []}\n  - {name: Power-BI}\n"
    )
    w = only(warnings_of(kb), "spelled alike")
    assert (w.path, w.line) == (str(path), line_with(path, "name: Power-BI}"))
    assert "'Power-BI'" in w.message and "'Power BI'" in w.message


def test_skill_alias_spelled_like_another_skill(kb: Path) -> None:
    path = edit(
        kb, "skills.yaml", "aliases: [apache airflow]", "aliases: [apache airflow, apache-spark]"
    )
    w = only(warnings_of(kb), "spelled alike")
    assert w.line == line_with(path, "apache-spark")
    assert "'Airflow'" in w.message and "'Apache Spark'" in w.message


def test_role_and_skill_with_one_name(kb: Path) -> None:
    path = edit(
        kb, "skills.yaml", "aliases: [apache airflow]", "aliases: [apache airflow, bi developer]"
    )
    w = only(warnings_of(kb), "names both role 'bi_developer'")
    assert (w.path, w.line) == (str(path), line_with(path, "bi developer"))
    assert "also_names_role" in w.message


def test_also_names_role_silences_the_clash(kb: Path) -> None:
    edit(
        kb,
        "skills.yaml",
        "{name: Airflow, aliases: [apache airflow]}",
        "{name: Airflow, aliases: [apache airflow, bi developer], also_names_role: true}",
    )
    assert not [w for w in warnings_of(kb) if "names both" in w.message]


def test_also_names_role_without_a_role_of_that_name(kb: Path) -> None:
    path = edit(
        kb,
        "skills.yaml",
        "{name: Kafka, aliases: [apache kafka, event streaming]}",
        "{name: Kafka, aliases: [apache kafka, event streaming],\n     also_names_role: true}",
    )
    w = only(warnings_of(kb), "'also_names_role: true' but no role")
    assert w.line == line_with(path, "also_names_role: true")


def test_level_alias_shared_by_two_levels(kb: Path) -> None:
    path = edit(
        kb,
        "career.yaml",
        "aliases: [staff, staff level,",
        "aliases: [staff, intermediate, staff level,",
    )
    w = only(warnings_of(kb), "'intermediate' names both level 'mid'")
    assert w.line == line_with(path, "aliases: [staff, intermediate")
    assert "level 'staff'" in w.message


def test_level_alias_equal_to_a_role_alias(kb: Path) -> None:
    path = edit(kb, "career.yaml", "aliases: [leadership,", "aliases: [leadership, data lead,")
    w = only(warnings_of(kb), "'data lead' names both role 'head_of_data'")
    assert (w.path, w.line) == (str(path), line_with(path, "data lead"))


# --- roles, levels, skills ---------------------------------------------------------------


def test_role_in_no_level(kb: Path) -> None:
    path = append(kb, "roles.yaml", "\n  - id: data_steward\n    name: Data Steward\n")
    w = only(warnings_of(kb), "in no career level")
    assert (w.path, w.line) == (str(path), line_with(path, "id: data_steward"))


def test_level_with_no_roles(kb: Path) -> None:
    path = edit(kb, "career.yaml", "    roles: [data_architect]\n", "    roles: []\n")
    edit(kb, "career.yaml", "roles: [head_of_data,", "roles: [data_architect, head_of_data,")
    w = only(warnings_of(kb), "level 'staff' has no roles")
    assert (w.path, w.line) == (str(path), line_with(path, "roles: []"))


def test_skill_no_one_uses(kb: Path) -> None:
    path = append(kb, "skills.yaml", "  - name: Looker\n    aliases: [looker studio]\n")
    w = only(warnings_of(kb), "'Looker' is not a key skill of any role")
    assert (w.path, w.line) == (str(path), line_with(path, "name: Looker"))


def test_a_skill_in_common_skills_only_is_used(kb: Path) -> None:
    # Data quality is in no role's key skills, only in the notes' common skills
    assert not [w for w in warnings_of(kb) if "'Data quality'" in w.message]


def test_skill_listed_twice_by_a_role(kb: Path) -> None:
    path = edit(
        kb,
        "roles.yaml",
        "skills: [SQL, dbt, Data modeling, Git]",
        "skills:\n      - SQL\n      - dbt\n      - Data modeling\n      - Git\n      - dbt",
    )
    w = only(warnings_of(kb), "lists 'dbt' twice")
    assert w.line == line_with(path, "- dbt", after="- Data modeling")


def test_skills_as_written_forgets_a_skill(kb: Path) -> None:
    path = edit(
        kb,
        "roles.yaml",
        "skills_as_written: SQL, dbt, data modeling, Git",
        "skills_as_written: SQL, dbt, data modeling",
    )
    w = only(warnings_of(kb), "does not mention 'Git'")
    assert w.line == line_with(path, "skills_as_written: SQL, dbt, data modeling")


def test_skills_as_written_names_a_skill_not_listed(kb: Path) -> None:
    edit(
        kb,
        "roles.yaml",
        "skills_as_written: SQL, dbt, data modeling, Git",
        "skills_as_written: SQL, dbt, data modeling, Git, Kafka",
    )
    only(warnings_of(kb), "mentions 'Kafka', which is not in its 'skills'")


def test_skills_as_written_may_use_an_alias(kb: Path) -> None:
    # "version control" is an alias of Git: the line still says Git
    edit(
        kb,
        "roles.yaml",
        "skills_as_written: SQL, dbt, data modeling, Git",
        "skills_as_written: SQL, dbt, data modeling, version control",
    )
    assert warnings_of(kb) == []


def test_role_with_focus_but_no_tasks(kb: Path) -> None:
    path = edit(
        kb,
        "roles.yaml",
        "    tasks: [Build executive dashboards, Automate recurring reports]\n",
        "",
    )
    w = only(warnings_of(kb), "no 'tasks'")
    assert "'bi_developer'" in w.message
    assert w.line == line_with(path, "- id: bi_developer")


def test_common_skills_line_that_does_not_say_its_skill(kb: Path) -> None:
    path = edit(
        kb,
        "notes.yaml",
        "  - text: Version control with Git\n    skills: [Git]",
        "  - text: Version control with Git\n    skills: [Git, Kafka]",
    )
    w = only(warnings_of(kb), "does not mention 'Kafka'")
    assert (w.path, w.line) == (str(path), line_with(path, "skills: [Git, Kafka]"))


# --- behaviour -----------------------------------------------------------------------------


def test_warnings_do_not_stop_loading_and_all_have_lines(kb: Path) -> None:
    append(kb, "roles.yaml", "\n  - id: data_steward\n    name: Data Steward\n    aliases: [cdo]\n")
    append(kb, "skills.yaml", "  - {name: Looker}\n  - {name: Power-BI}\n")
    warnings = warnings_of(kb)
    assert len(warnings) >= 4
    assert all(w.line > 0 for w in warnings), [str(w) for w in warnings]
    assert load_knowledge(kb).facts.role_by_id["data_steward"].name == "Data Steward"


def test_lint_survives_missing_documents(knowledge) -> None:  # type: ignore[no-untyped-def]
    # without the parsed files it cannot point at lines, but it must not crash
    assert likely_mistakes(knowledge.facts, {}) == []


def test_validate_prints_warnings_with_file_and_line(
    kb: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = append(kb, "roles.yaml", "\n  - id: data_steward\n    name: Data Steward\n")
    assert main(["validate", "--knowledge", str(kb)]) == 0
    out = capsys.readouterr().out
    where = f"{path}:{line_with(path, 'id: data_steward')}"
    assert f"{where}: warning: role 'data_steward' is in no career level" in out
    assert "1 warning(s)" in out


def test_validate_reports_errors_with_file_and_line(
    kb: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = edit(
        kb,
        "roles.yaml",
        "skills: [SQL, dbt, Data modeling, Git]",
        "skills: [SQL, dbt, Data modelling, Git]",
    )
    assert main(["validate", "--knowledge", str(kb)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:{line_with(path, 'Data modelling, Git]')}:" in err
    assert "unknown skill 'Data modelling'" in err


# --- helpers ---------------------------------------------------------------------------------


def test_name_keys() -> None:
    assert phrase_key("ML-Ops  Engineer") == ("ml", "ops", "engineer")
    assert spelling_key("Power-BI") == spelling_key("power bi") == "powerbi"
    assert mentions("NLP libraries (NLTK, SpaCy)", ["spacy"])
    assert not mentions("Python/Rust", ["R"])
    assert mentions("Python/R", ["R"])
