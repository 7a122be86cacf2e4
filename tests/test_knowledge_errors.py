"""A broken knowledge base is reported, never crashed on.

Each case copies the built-in knowledge base, breaks one thing, and checks that
`mlbot validate`, `ask`, `chat` and `test` all exit 2 and name every problem as
`file:line: problem` (the real line), with no traceback unless `--debug` asks for one.
Most cases run `bot.cli.main` in-process (fast); a few run `python -m bot` for real.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.cli import main
from bot.loader import KnowledgeError, builtin_dir, check_knowledge, load_knowledge
from bot.yamlsource import YamlError, parse_yaml

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the start-up cache must not write into the real home while testing
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("MLBOT_KNOWLEDGE", raising=False)


def copy_knowledge(tmp_path: Path) -> Path:
    target = tmp_path / "kb"
    shutil.copytree(builtin_dir(), target)
    return target


def edit(kb: Path, name: str, old: str, new: str) -> int:
    """Replace `old` (which must occur) by `new` in kb/name once; return the 1-based line
    where the replacement starts."""
    path = kb / name
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {name}: update this test to the knowledge base"
    index = text.index(old)
    path.write_text(text[:index] + new + text[index + len(old):], encoding="utf-8")
    return text.count("\n", 0, index) + 1


def line_of_text(kb: Path, name: str, needle: str) -> int:
    text = (kb / name).read_text(encoding="utf-8")
    assert needle in text
    return text.count("\n", 0, text.index(needle)) + 1


@dataclass
class Run:
    code: int
    out: str
    err: str


def run_main(capsys: pytest.CaptureFixture[str], argv: list[str], stdin: str = "") -> Run:
    old_stdin = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(stdin.encode()), encoding="utf-8")
    try:
        code = main(argv)
    finally:
        sys.stdin = old_stdin
    captured = capsys.readouterr()
    return Run(code, captured.out, captured.err)


def problem_lines(err: str) -> list[tuple[str, int, str]]:
    """(file, line, message) of each `file:line: message` line of stderr."""
    out = []
    for line in err.splitlines():
        m = re.match(r"^(.+?\.yaml):(\d+): (.+)$", line)
        if m:
            out.append((m.group(1), int(m.group(2)), m.group(3)))
    return out


# --- one broken thing each ------------------------------------------------------------
# (id, file, old text, new text, expected message regex, expected line: int, or None for
# "the line where the edit starts", or a text whose line it is)
ROLES = "facts/roles.yaml"
SKILLS = "facts/skills.yaml"
CAREER = "facts/career.yaml"
NOTES = "facts/notes.yaml"
TEMPLATES = "language/templates.yaml"
INTENTS = "language/intents.yaml"

CASES: list[tuple[str, str, str, str, str, int | str | None]] = [
    ("invalid yaml", ROLES, "    focus: Design, train, and deploy ML models\n",
     "    focus: [Design, train\n",
     r"did not find expected ',' or '\]' \(while parsing a flow sequence at line \d+\)",
     "    skills: [Python, R, TensorFlow"),
    ("tab indentation", ROLES, "    focus: Design, train, and deploy ML models\n",
     "\tfocus: Design\n", r"cannot start any token|tab", None),
    ("unknown key", ROLES, "    focus: Design, train", "    focsu: Design, train",
     r"unknown key 'focsu'", None),
    ("missing key", ROLES, "  - id: ml_engineer\n    name: Machine Learning Engineer\n",
     "  - id: ml_engineer\n", r"role 1 is missing 'name'", None),
    ("wrong type", ROLES, "    tasks: [Build recommendation engines, deploy predictive models]",
     "    tasks: {a: 1}", r"'tasks' must be a list, got a mapping", None),
    ("wrong top-level type", CAREER, "levels:\n", "levels: 3\nold_levels:\n",
     r"'levels' must be a list", None),
    ("duplicate role id", ROLES, "  - id: ml_research_scientist", "  - id: ml_engineer",
     r"duplicate role id 'ml_engineer' \(first at line \d+\)", None),
    ("duplicate skill", SKILLS, "{name: Java, aliases: []}", "{name: python, aliases: []}",
     r"duplicate skill 'python'", None),
    ("duplicate yaml key", ROLES, "    name: Machine Learning Engineer\n",
     "    name: Machine Learning Engineer\n    name: Again\n", r"duplicate key 'name'",
     "    name: Again"),
    ("unknown role in a level", CAREER, "roles: [junior_ml_engineer, data_scientist]",
     "roles: [junior_ml_engineer, data_scientst]", r"unknown role 'data_scientst'", None),
    ("unknown skill in a role", ROLES, "    skills: [Python, R, TensorFlow",
     "    skills: [Pythn, R, TensorFlow", r"unknown skill 'Pythn'", None),
    ("empty level word", CAREER, "    word: entry\n", "    word:\n",
     r"'word' must not be empty", None),
    ("empty required field", ROLES, "    name: Machine Learning Engineer\n", '    name: ""\n',
     r"'name' must not be empty", None),
    ("empty required list", NOTES, "summary:\n", "summary: []\nold_summary:\n",
     r"'summary' must list at least one item", None),
    ("python object tag", ROLES, "    name: Machine Learning Engineer\n",
     '    name: !!python/object/apply:os.system ["echo INJECTED > injected.txt"]\n',
     r"could not determine a constructor", None),
    ("custom tag", ROLES, "    name: Machine Learning Engineer\n", "    name: !shout ML\n",
     r"could not determine a constructor", None),
    ("control character", ROLES, "    name: Machine Learning Engineer\n",
     "    name: Machine \x1b[2J Learning\n", r"control characters are not allowed", None),
    ("unknown template", TEMPLATES, "  greeting: ", "  old_greeting: ",
     r"unknown template 'old_greeting'", None),
    ("unknown intent", INTENTS, "  greeting:", "  greetng:", r"unknown intent 'greetng'", None),
    ("settings not a mapping", INTENTS, "settings:\n", "settings: [1, 2]\nold_settings:\n",
     r"'settings' must be a mapping", None),
    ("requires a mapping", INTENTS, "    requires: [[role, ref_role, bare_head, ordinal, ctx_role]]",
     "    requires: [[{role: 1}]]", r"'requires' items must be feature names, got a mapping", None),
    ("weight not finite", INTENTS, "weights: {overview: 2.0,", "weights: {overview: .nan,",
     r"weight of 'overview' must be a number", None),
    ("huge integer", NOTES, "title: Machine Learning Job Roles",
     "title: " + "9" * 5000, r"cannot read the value", None),
    ("impossible date", NOTES, "title: Machine Learning Job Roles", "title: 2024-13-45",
     r"cannot read the value '2024-13-45'", None),
    ("recursive alias", NOTES, "summary:\n", "loop: &x [*x]\nsummary:\n", r"recursive", None),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_each_problem_is_named_with_file_and_line(
    case: tuple[str, str, str, str, str, int | str | None], tmp_path: Path,
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, name, old, new, message, where = case
    kb = copy_knowledge(tmp_path)
    line = edit(kb, name, old, new)
    if isinstance(where, str):
        line = line_of_text(kb, name, where)
    elif isinstance(where, int):
        line = where
    monkeypatch.chdir(tmp_path)  # a YAML tag that ran code would write injected.txt here
    for argv, stdin in ((["--knowledge", str(kb), "validate"], ""),
                        (["ask", "--knowledge", str(kb), "what does an mlops engineer do"], ""),
                        (["chat", "--json", "--knowledge", str(kb)], "hi\n")):
        run = run_main(capsys, argv, stdin)
        assert run.code == 2, (argv, run)
        assert run.out == "", argv  # problems go to stderr; no answer for a broken base
        assert "Traceback" not in run.err
        found = [p for p in problem_lines(run.err) if re.search(message, p[2])]
        assert found, (argv, run.err)
        assert any(Path(f) == kb / name and n == line for f, n, _ in found), (line, found)
    assert not (tmp_path / "injected.txt").exists()


def test_a_python_tag_never_runs_code(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    for tag in ("!!python/object/apply:os.system", "!!python/object/new:os.system"):
        with pytest.raises(YamlError) as info:
            parse_yaml(f'name: {tag} ["touch {marker}"]\n', "x.yaml")
        assert info.value.line == 1
    with pytest.raises(YamlError):
        parse_yaml("f: !!python/name:os.system\n", "x.yaml")
    assert not marker.exists()


def test_missing_file_and_missing_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    kb = copy_knowledge(tmp_path)
    (kb / SKILLS).unlink()
    run = run_main(capsys, ["validate", "--knowledge", str(kb)])
    assert run.code == 2
    assert f"{kb / SKILLS}:0: file is missing" in run.err
    run = run_main(capsys, ["validate", "--knowledge", str(tmp_path / "nowhere")])
    assert run.code == 2 and "knowledge directory does not exist" in run.err
    assert "Traceback" not in run.err


def test_not_utf8_names_the_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    kb = copy_knowledge(tmp_path)
    path = kb / NOTES
    data = path.read_bytes()
    index = data.index(b"summary:")
    path.write_bytes(data[:index] + b"bad: \xff\xfe\n" + data[index:])
    line = data.count(b"\n", 0, index) + 1
    run = run_main(capsys, ["validate", "--knowledge", str(kb)])
    assert run.code == 2
    assert f"{path}:{line}: not UTF-8 text" in run.err


def test_empty_file_is_reported_at_line_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    kb = copy_knowledge(tmp_path)
    (kb / NOTES).write_text("", encoding="utf-8")
    run = run_main(capsys, ["validate", "--knowledge", str(kb)])
    assert run.code == 2
    assert f"{kb / NOTES}:1: the file must be a mapping" in run.err


def test_every_problem_is_listed_at_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A YAML error in one file does not hide the problems of the others."""
    kb = copy_knowledge(tmp_path)
    syntax = edit(kb, ROLES, "    focus: Design, train, and deploy ML models\n", "    focus: [x\n")
    unknown = edit(kb, NOTES, "title:", "titel:")
    template = edit(kb, TEMPLATES, "  greeting: ", "  greetin: ")
    ref = edit(kb, SKILLS, "{name: Java, aliases: []}", "{name: Java, aliases: [], colour: 1}")
    run = run_main(capsys, ["validate", "--knowledge", str(kb)])
    assert run.code == 2
    got = {(Path(f).relative_to(kb).as_posix(), n) for f, n, _ in problem_lines(run.err)}
    assert {(ROLES, syntax + 1), (NOTES, unknown), (TEMPLATES, template), (SKILLS, ref)} <= got
    assert re.search(r"^\d+ problem\(s\) in ", run.err, re.M)


def test_one_broken_role_does_not_cascade(tmp_path: Path) -> None:
    """A role that fails to load still declares its id: the level naming it is not
    reported too, and no warning follows from the half-loaded base."""
    kb = copy_knowledge(tmp_path)
    edit(kb, ROLES, "    name: Machine Learning Engineer\n", "")
    knowledge, problems = check_knowledge(kb)
    assert knowledge is None
    assert [p.message for p in problems] == ["role 1 is missing 'name'"]


def test_an_unreadable_roles_file_does_not_cascade(tmp_path: Path) -> None:
    kb = copy_knowledge(tmp_path)
    (kb / ROLES).write_text("- just\n- a list\n", encoding="utf-8")
    _, problems = check_knowledge(kb)
    assert [(Path(p.path).name, p.line, p.message) for p in problems] == [
        ("roles.yaml", 1, "the file must be a mapping with 'roles'")]


def test_no_problem_has_line_0_except_missing_files(tmp_path: Path) -> None:
    kb = copy_knowledge(tmp_path)
    edit(kb, ROLES, "    name: Machine Learning Engineer\n", "    name: [a]\n")
    edit(kb, NOTES, "summary:\n", "summary: []\nold_summary:\n")
    edit(kb, TEMPLATES, "  greeting: ", "  greetin: ")
    with pytest.raises(KnowledgeError) as info:
        load_knowledge(kb)
    assert len(info.value.problems) >= 3
    assert all(p.line > 0 for p in info.value.problems), info.value.problems


def test_debug_shows_the_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    kb = copy_knowledge(tmp_path)
    edit(kb, ROLES, "    focus: Design", "    focsu: Design")
    with pytest.raises(KnowledgeError):
        main(["ask", "--debug", "--knowledge", str(kb), "hi"])


def test_canned_tests_stop_on_a_broken_base(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    kb = copy_knowledge(tmp_path)
    line = edit(kb, ROLES, "    focus: Design", "    focsu: Design")
    canned = tmp_path / "t.chat.yaml"
    canned.write_text("conversations:\n  - name: x\n    turns:\n      - ask: hi\n        intent: greeting\n",
                      encoding="utf-8")
    run = run_main(capsys, ["test", "--knowledge", str(kb), str(canned)])
    assert run.code == 2
    assert f"{kb / ROLES}:{line}: unknown key 'focsu'" in run.err
    assert "Traceback" not in run.err


def test_the_built_in_knowledge_is_clean() -> None:
    knowledge, problems = check_knowledge(builtin_dir())
    assert knowledge is not None
    assert not [p for p in problems if not p.warning]


# --- the real process -------------------------------------------------------------------

def _python_m_bot(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), "PYTHONPATH": str(ROOT)}
    env.pop("MLBOT_KNOWLEDGE", None)
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=60)


def test_python_m_bot_validate_and_ask_report_without_traceback(tmp_path: Path) -> None:
    kb = copy_knowledge(tmp_path)
    line = edit(kb, ROLES, "    name: Machine Learning Engineer\n",
                '    name: !!python/object/apply:os.system ["echo INJECTED > injected.txt"]\n')
    for args in (["--knowledge", str(kb), "validate"], ["--knowledge", str(kb), "ask", "hi"]):
        done = _python_m_bot(args, tmp_path)
        assert done.returncode == 2, done
        assert done.stdout == ""
        assert f"{kb / ROLES}:{line}: could not determine a constructor" in done.stderr
        assert "Traceback" not in done.stderr
    assert not (tmp_path / "injected.txt").exists()
    done = _python_m_bot(["--knowledge", str(kb), "--debug", "validate"], tmp_path)
    assert done.returncode == 2 and f"{kb / ROLES}:{line}:" in done.stderr


def test_python_m_bot_debug_prints_a_traceback(tmp_path: Path) -> None:
    kb = copy_knowledge(tmp_path)
    edit(kb, ROLES, "    focus: Design", "    focsu: Design")
    done = _python_m_bot(["ask", "--debug", "--knowledge", str(kb), "hi"], tmp_path)
    assert done.returncode != 0
    assert "Traceback" in done.stderr and "KnowledgeError" in done.stderr


def test_template_placeholders_are_checked(tmp_path):
    import shutil
    import subprocess
    import sys

    kb = tmp_path / "kb"
    shutil.copytree(Path(__file__).resolve().parent.parent / "knowledge", kb)
    path = kb / "language" / "templates.yaml"
    path.write_text(path.read_text().replace("Key skills of {a_role}", "Key skills of {a_rolez} {0} {a_role"))
    run = subprocess.run([sys.executable, "-m", "bot", "--knowledge", str(kb), "validate"],
                         capture_output=True, text=True)
    assert run.returncode == 2
    assert "templates.yaml:" in run.stderr and "unknown placeholder {a_rolez}" in run.stderr
    assert "{0} is not a placeholder" in run.stderr and "brace without its pair" in run.stderr
    assert "Traceback" not in run.stderr
