"""Knowledge files, test files and question files from someone else (issue 15, items 3, 5,
6 and 12): alias bombs, special files, numbers where text belongs, unknown top-level keys,
bad ordinals, unreadable directories. Each is a `file:line` problem, found quickly, never
a hang, a MemoryError or "internal error"."""

from __future__ import annotations

import errno
import os
import shutil
import time
from pathlib import Path

import pytest
from test_cache_security import must_finish
from test_knowledge_errors import copy_knowledge, edit, line_of_text, run_main

from bot import safeio, yamlsource
from bot.cli import main
from bot.loader import builtin_dir, check_knowledge
from bot.repl.history import SafeHistory
from bot.testing.spec import Known, load_file, parse_text
from bot.yamlsource import YamlError, parse_yaml

VOCABULARY = "language/vocabulary.yaml"
INTENTS = "language/intents.yaml"


def errors_of(kb: Path) -> list[str]:
    knowledge, problems = check_knowledge(kb)
    assert knowledge is None
    return [str(p) for p in problems if not p.warning]


def bomb(levels: int = 9, width: int = 9, separator: str = "\n") -> str:
    """Nine levels of nine aliases: 9**9 (387 million) values in under 1 KB of YAML."""
    entries = ["l0: &l0 [lol]"]
    for i in range(1, levels + 1):
        entries.append(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * width)}]")
    return separator.join(entries)


# --- item 5: alias bombs ------------------------------------------------------------------

def test_alias_bomb_in_rewrites_is_a_line_problem(tmp_path: Path) -> None:
    kb = copy_knowledge(tmp_path)
    text = (kb / VOCABULARY).read_text(encoding="utf-8")
    # in the flow mapping `rewrites: {...}`, one entry a line
    (kb / VOCABULARY).write_text(text.replace("rewrites: {", "rewrites: {" + bomb(separator=",\n  ") + ",\n  ", 1),
                                 encoding="utf-8")
    first, last = line_of_text(kb, VOCABULARY, "l0: &l0"), line_of_text(kb, VOCABULARY, "l9: &l9")
    started = time.perf_counter()
    with must_finish(10):
        problems = errors_of(kb)
    assert time.perf_counter() - started < 5
    assert any(p.startswith(f"{kb / VOCABULARY}:") and "aliases expand" in p for p in problems), problems
    # the line of the first list that goes over the limit
    assert any(f"{kb / VOCABULARY}:{n}: aliases expand" in p for p in problems for n in range(first, last + 1))


def test_small_alias_bomb_under_requires_is_refused_without_its_text(tmp_path: Path) -> None:
    # under the alias limit, so the loader sees the nested lists: it must say what they are,
    # never write them out
    kb = copy_knowledge(tmp_path)
    line = edit(kb, INTENTS, "    requires: [[role, ref_role, bare_head, ordinal, ctx_role]]",
                "    requires: [[&x [[a, b, c], [a, b, c], [a, b, c]], *x, *x]]")
    problems = errors_of(kb)
    assert f"{kb / INTENTS}:{line}: intent 'role_overview': 'requires' items must be feature names, " \
           "got a list" in problems
    assert not any("[a, b" in p or "['a'" in p for p in problems)


def test_rewrites_value_that_is_a_list_is_not_stringified(tmp_path: Path) -> None:
    kb = copy_knowledge(tmp_path)
    text = (kb / VOCABULARY).read_text(encoding="utf-8")
    (kb / VOCABULARY).write_text(text.replace("rewrites: {", "rewrites: {foo: [a, [b, c]], ", 1),
                                 encoding="utf-8")
    line = line_of_text(kb, VOCABULARY, "foo: [a, [b, c]]")
    assert f"{kb / VOCABULARY}:{line}: 'rewrites': the value of 'foo' must be text, got a list" in errors_of(kb)


def test_alias_bomb_in_a_test_file_is_a_line_problem() -> None:
    known = Known(("greeting",), ("ml_engineer",), ("junior",), ("Python",))
    with must_finish(10):
        test_file, problems = parse_text(bomb() + "\n", "bomb.yaml", known)
    assert test_file is None
    assert problems and problems[0].path == "bomb.yaml" and problems[0].line >= 2
    assert "aliases expand" in problems[0].message


def test_modest_aliases_still_work_and_cycles_are_refused() -> None:
    doc = parse_yaml("a: &a [x, y]\nb: *a\nc: [*a, *a]\n", "ok.yaml")
    assert doc["b"] == ["x", "y"] and doc["c"] == [["x", "y"], ["x", "y"]]
    with must_finish(), pytest.raises(YamlError) as info:
        parse_yaml("a: &a [x, *a]\n", "cycle.yaml")
    assert info.value.line == 1


def test_a_long_list_is_not_taken_for_a_bomb() -> None:
    # the `*` makes the alias walk run; nothing is expanded, however long the list
    items = ", ".join(f"w{i}" for i in range(3 * yamlsource.MAX_ALIAS_NODES))
    doc = parse_yaml(f"note: 'a * b'\na: [{items}]\n", "big.yaml")
    assert len(doc["a"]) == 3 * yamlsource.MAX_ALIAS_NODES


# --- item 6: special and huge files -------------------------------------------------------

def make_special(path: Path, kind: str) -> None:
    path.unlink()
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "/dev/zero":
        path.symlink_to("/dev/zero")
    elif kind == "directory":
        path.mkdir()
    else:  # "huge": sparse, so the test writes nothing
        with open(path, "wb") as f:
            f.truncate(safeio.MAX_FILE_BYTES + 1)


@pytest.mark.parametrize("kind", ["fifo", "/dev/zero", "directory", "huge"])
def test_special_knowledge_file_is_refused_at_once(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                   kind: str) -> None:
    kb = copy_knowledge(tmp_path)
    roles = kb / "facts" / "roles.yaml"
    make_special(roles, kind)
    reason = "larger than the 16 MiB limit" if kind == "huge" else "not a regular file"
    for argv in (["validate"], ["ask", "hi"], ["chat"]):
        with must_finish():
            run = run_main(capsys, ["--knowledge", str(kb), *argv], stdin="hi\n")
        assert run.code == 2
        assert f"{roles}:1: {reason}" in run.err, run.err
        assert "internal error" not in run.err


@pytest.mark.parametrize("kind", ["fifo", "/dev/zero", "huge"])
def test_special_test_file_is_refused_at_once(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "t.yaml"
    path.write_text("conversations: []\n")
    make_special(path, kind)
    known = Known(("greeting",), ("ml_engineer",), ("junior",), ("Python",))
    with must_finish():
        test_file, problems = load_file(path, known)
    assert test_file is None and problems[0].line == 1
    assert problems[0].message in ("not a regular file", "larger than the 16 MiB limit")


@pytest.mark.parametrize("kind", ["fifo", "/dev/zero", "huge"])
def test_special_record_input_is_refused_at_once(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                 kind: str) -> None:
    questions = tmp_path / "questions.txt"
    questions.write_text("hi\n")
    make_special(questions, kind)
    with must_finish():
        run = run_main(capsys, ["test", "--record", str(questions)])
    assert run.code == 2
    assert run.err.startswith(f"{questions}: ") and ("not a regular file" in run.err or "limit" in run.err)


def test_read_regular_reads_at_most_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"x" * 101)
    assert safeio.read_regular(path, limit=101) == b"x" * 101
    with pytest.raises(safeio.UnsafeFileError) as info:
        safeio.read_regular(path, limit=100)
    assert info.value.errno == errno.EFBIG


def test_fifo_as_history_file_does_not_block_the_repl(tmp_path: Path) -> None:
    path = tmp_path / "state" / "mlbot" / "history"
    path.parent.mkdir(parents=True)
    os.mkfifo(path)
    with must_finish():
        history = SafeHistory(path)
        assert list(history.load_history_strings()) == []
        history.store_string("what does an mlops engineer do")
    assert not history.usable
    (warning,) = history.take_warnings()
    assert "not a regular file" in warning and "\n" not in warning


def test_history_file_is_private(tmp_path: Path) -> None:
    path = tmp_path / "state" / "mlbot" / "history"
    history = SafeHistory(path)
    history.store_string("my secret question")
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700
    assert list(SafeHistory(path).load_history_strings()) == ["my secret question"]
    path.chmod(0o644)  # as an older mlbot left it
    SafeHistory(path)
    assert path.stat().st_mode & 0o777 == 0o600


def test_history_reads_the_files_prompt_toolkit_wrote(tmp_path: Path) -> None:
    from prompt_toolkit.history import FileHistory

    path = tmp_path / "history"
    old = FileHistory(str(path))
    for text in ("first", "two\nlines", "third \x85 with NEL"):
        old.store_string(text)
    assert list(SafeHistory(path).load_history_strings()) == list(old.load_history_strings())


# --- item 12: validation gaps -------------------------------------------------------------

@pytest.mark.parametrize("name, key", [("facts/roles.yaml", "roles"), ("facts/skills.yaml", "skills"),
                                       ("language/concepts.yaml", "concepts"),
                                       ("language/templates.yaml", "templates")])
def test_unknown_top_level_key_is_a_problem(tmp_path: Path, name: str, key: str) -> None:
    kb = copy_knowledge(tmp_path)
    with open(kb / name, "a", encoding="utf-8") as f:
        f.write("\nroels: []\n")
    line = line_of_text(kb, name, "roels:")
    assert f"{kb / name}:{line}: unknown key 'roels' in {Path(name).name} (allowed: {key})" in errors_of(kb)


@pytest.mark.parametrize("value", ["true", "0", "-5", "100000000000000000000000000000000", "2.5", "two"])
def test_bad_ordinal_is_a_problem(tmp_path: Path, value: str) -> None:
    kb = copy_knowledge(tmp_path)
    line = edit(kb, VOCABULARY, "ordinals: {first: 1,", f"ordinals: {{first: {value},")
    assert any(p.startswith(f"{kb / VOCABULARY}:{line}: 'ordinals': the value of 'first' must be 1 to 1000")
               for p in errors_of(kb))


def test_last_is_still_minus_one(knowledge: object) -> None:
    assert knowledge.language.vocabulary.ordinals["last"] == -1  # type: ignore[attr-defined]


@pytest.mark.parametrize("old, new, message", [
    ("    focus: Design, train, and deploy ML models", "    focus: 3.10",
     "role 'ml_engineer': 'focus' must be text, got a number; put it in quotes to keep it as written"),
    ("    name: Machine Learning Engineer", "    name: 2024-01-01",
     "role 1: 'name' must be text, got a date; put it in quotes to keep it as written"),
    ("aliases: [ml engineer", "aliases: [3.10, ml engineer",
     "role 'ml_engineer': item 1 of 'aliases' reads as a number; put it in quotes"),
])
def test_numbers_in_text_fields_are_not_coerced(tmp_path: Path, old: str, new: str, message: str) -> None:
    kb = copy_knowledge(tmp_path)
    line = edit(kb, "facts/roles.yaml", old, new)
    assert f"{kb / 'facts/roles.yaml'}:{line}: {message}" in errors_of(kb)


def test_quoted_number_is_kept_as_written(tmp_path: Path) -> None:
    kb = copy_knowledge(tmp_path)
    edit(kb, "facts/roles.yaml", "    focus: Design, train, and deploy ML models", '    focus: "3.10"')
    knowledge, _ = check_knowledge(kb)
    assert knowledge is not None and knowledge.facts.role_by_id["ml_engineer"].focus == "3.10"


def test_file_that_nests_too_deeply_names_line_1(tmp_path: Path) -> None:
    with pytest.raises(YamlError) as info:
        parse_yaml("a: " + "[" * 900 + "]" * 900 + "\n", "deep.yaml")
    assert info.value.line == 1 and "nests too deeply" in info.value.message


def test_unreadable_file_names_line_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    kb = copy_knowledge(tmp_path)
    roles = kb / "facts" / "roles.yaml"
    real = yamlsource.read_regular

    def denied(path: os.PathLike[str]) -> bytes:
        if Path(path) == roles:
            raise PermissionError(errno.EACCES, "Permission denied")
        return real(path)

    monkeypatch.setattr(yamlsource, "read_regular", denied)
    assert f"{roles}:1: Permission denied" in errors_of(kb)


def test_unreadable_knowledge_dir_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    kb = copy_knowledge(tmp_path)
    real_stat = os.stat

    def no_search(path: object, *args: object, **kwargs: object) -> os.stat_result:
        # as for a directory of mode 000 when not root: nothing below it can be reached
        if str(path).startswith(str(kb) + os.sep):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_stat(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "stat", no_search)
    run = run_main(capsys, ["validate", "--knowledge", str(kb)])
    assert run.code == 2
    assert f"{kb}:0: cannot read the knowledge directory: Permission denied" in run.err
    assert "internal error" not in run.err


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a directory of mode 000")
@pytest.mark.parametrize("which", ["", "facts"])
def test_mode_000_knowledge_dir_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str], which: str) -> None:
    kb = copy_knowledge(tmp_path)
    directory = kb / which if which else kb
    directory.chmod(0)
    try:
        for argv in (["validate"], ["ask", "hi"]):
            run = run_main(capsys, ["--knowledge", str(kb), *argv])
            assert run.code == 2
            assert f"{directory}:0: cannot read the" in run.err and "internal error" not in run.err
    finally:
        directory.chmod(0o755)


def test_builtin_knowledge_still_loads_clean() -> None:
    knowledge, problems = check_knowledge(builtin_dir())
    assert knowledge is not None and not [p for p in problems if not p.warning]


def test_cli_validate_of_copied_base_is_clean(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    kb = tmp_path / "kb"
    shutil.copytree(builtin_dir(), kb)
    assert main(["validate", "--knowledge", str(kb)]) == 0
    capsys.readouterr()


# --- item 9: validation near-linear in aliases ------------------------------------------

def test_validating_many_aliases_of_one_name_is_not_quadratic(tmp_path: Path) -> None:
    # 20,000 aliases of one skill took 14 s when each alias's line was found by scanning
    # the list (quadratic); indexed it is ~0.2 s. The bound leaves room for a slow machine.
    kb = copy_knowledge(tmp_path)
    skills = kb / "facts" / "skills.yaml"
    aliases = ", ".join(f"alias{i} kit" for i in range(20_000))
    text = skills.read_text(encoding="utf-8")
    skills.write_text(text.replace("aliases: [", f"aliases: [{aliases}, ", 1), encoding="utf-8")
    started = time.perf_counter()
    knowledge, problems = check_knowledge(kb)
    assert time.perf_counter() - started < 4
    assert knowledge is not None, [str(p) for p in problems if not p.warning]
    assert sum(len(s.aliases) for s in knowledge.facts.skills) > 20_000
