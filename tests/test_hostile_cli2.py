"""Test files, reports and output written for someone else's input (issue 15, items 8, 10, 11,
13, 14): a pattern that backtracks without end, names holding characters XML or a terminal
cannot take, outputs that cannot be written, and arguments that name the wrong kind of file.

Most run in-process (`bot.cli.main`, fast); the few that need a real process say why.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from bot import cli
from bot.cli import main
from bot.records import replace
from bot.testing import pattern
from bot.testing.check import Got, check_turn
from bot.testing.junit import junit_tree
from bot.testing.report import conversation_line
from bot.testing.spec import Conversation, Known, Problem, Turn, parse_text

ROOT = Path(__file__).resolve().parent.parent
KNOWN = Known(intents=("greeting",), roles=(), levels=(), skills=())
GOT = Got("greeting", 1.0, (), (), None, "Hello! Ask me about the roles in the notes.")
# regex's optimiser sees through `(.+)+`, not through this: it backtracks without end on any
# answer of a few dozen characters ($ then a letter never matches, after every split is tried)
CATASTROPHIC = r"^(.|..)*$[a-z]"


def one_turn_file(turn: str) -> str:
    return f"conversations:\n  - name: c\n    turns:\n      - ask: hello\n        {turn}\n"


def run_main(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(args)
    out, err = capsys.readouterr()
    return status, out, err


# --- item 8: answer_matches under a time limit -------------------------------------------

def test_a_backtracking_pattern_is_a_failing_turn_not_a_hang(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pattern, "MATCH_SECONDS", 0.05)
    turn = Turn(ask="hello", line=7, answer_matches=CATASTROPHIC)
    failures = check_turn(turn, replace(GOT, text="a" * 200))
    assert len(failures) == 1 and "ran out of time (0.05 s)" in failures[0]


def test_the_issues_pattern_finishes_at_once_on_a_long_answer() -> None:
    turn = Turn(ask="hello", line=7, answer_matches="^(.+)+!$")
    assert check_turn(turn, replace(GOT, text="a" * 100_000)) == ("answer does not match /^(.+)+!$/",)


def test_a_timed_out_pattern_is_reported_at_its_file_and_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pattern, "MATCH_SECONDS", 0.05)
    test_file = tmp_path / "slow.yaml"
    test_file.write_text(one_turn_file(f"answer_matches: '{CATASTROPHIC}'"), encoding="utf-8")
    status, out, _ = run_main(["test", str(test_file)], capsys)
    assert status == 1
    assert f"FAIL  c  ({test_file}:2)" in out
    assert "turn 1 (line 4)" in out and "ran out of time" in out


@pytest.mark.parametrize("bad, why", [
    ("a{99999999999}", "repeat count too big"),
    ("(" * 1000 + "a" + ")" * 1000, "nests too deeply"),
    ("(unclosed", "missing )"),
])
def test_a_pattern_too_big_or_too_deep_is_a_file_line_problem(bad: str, why: str) -> None:
    text = one_turn_file(f"answer_matches: '{bad}'") + "        intnet: greeting\n"
    test_file, problems = parse_text(text, "t.yaml", KNOWN)
    assert test_file is None
    shown = [str(p) for p in problems]
    # listed with the file's other problems, each at its line
    assert any(s.startswith("t.yaml:5: answer_matches of turn 1") and why in s for s in shown), shown
    assert any(s.startswith("t.yaml:6: unknown key 'intnet'") for s in shown), shown


def test_ask_and_chat_never_import_the_regex_module() -> None:
    code = ("import sys; from bot.cli import main; main(['ask', 'hi']); "
            "sys.stdout.flush(); print('regex' in sys.modules, file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                          timeout=60)
    assert done.stderr.strip().endswith("False"), done.stderr


# --- item 10: JSON output escapes what splits lines or turns text around ----------------

HOSTILE_TEXT = "a\x9b31m b\u202eevil\u2066 c\x85d\u2028e\u2029f\x7fg\x1bh"


def test_json_escapes_c1_bidi_and_line_separators() -> None:
    from bot.render import dumps_json

    line = dumps_json({"answer": HOSTILE_TEXT, "plain": "ünïcödé 机器"})
    assert line.splitlines() == [line]
    for ch in "\x9b\u202e\u2066\x85\u2028\u2029\x7f\x1b":
        assert ch not in line
    assert "\\u009b" in line and "\\u202e" in line and "\\u0085" in line
    assert "ünïcödé 机器" in line  # other text stays readable, not \u-escaped
    assert json.loads(line) == {"answer": HOSTILE_TEXT, "plain": "ünïcödé 机器"}


def test_ask_json_escapes_a_knowledge_bases_hostile_fact(bot, capsys: pytest.CaptureFixture[str],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    answer = bot.answer("what does an mlops engineer do")
    monkeypatch.setattr(cli, "load_bot", lambda _dir: bot)
    monkeypatch.setattr(cli, "answer_question", lambda *_a, **_k: replace(answer, text=HOSTILE_TEXT))
    status, out, _ = run_main(["ask", "--json", "x"], capsys)
    assert status == 0
    assert out.splitlines() == [out.rstrip("\n")]
    assert "\u202e" not in out and json.loads(out)["answer"] == HOSTILE_TEXT


def test_test_json_escapes_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    test_file = tmp_path / "t.yaml"
    test_file.write_text(one_turn_file("intent: greeting").replace("name: c", 'name: "c\\u2028d"'),
                         encoding="utf-8")
    status, out, _ = run_main(["test", "--json", str(test_file)], capsys)
    assert status == 0 and "\u2028" not in out
    assert json.loads(out)["conversations"][0]["name"] == "c\u2028d"


# --- item 11: JUnit XML for any name, and paths shown escaped ---------------------------

def test_junit_is_well_formed_whatever_the_names() -> None:
    from bot.testing.check import ConversationResult

    path = "dir\x1b[31m/t\ud800\ufffe.yaml"  # an ESC, a lone surrogate (a non-UTF-8 file name)
    conversation = Conversation(path, "name \ufffe\uffff\x00\x0b end", 2, (Turn("hello", 4),))
    results = [ConversationResult(conversation, (), 0.0)]
    tree = junit_tree(results, [Problem(path + "2", 3, "bad \ufffe thing")])
    out = io.BytesIO()
    tree.write(out, encoding="utf-8", xml_declaration=True)
    root = ET.fromstring(out.getvalue())  # raises if not well-formed
    names = [case.get("name") for case in root.iter("testcase")]
    assert names[0] == "name \ufffd\ufffd\ufffd\ufffd end"
    assert "\x1b" not in out.getvalue().decode("utf-8")


def test_pass_and_fail_lines_escape_control_characters_in_paths() -> None:
    from bot.testing.check import ConversationResult

    conversation = Conversation("evil\x1b]0;pwned\x07.yaml", "c", 2, (Turn("hello", 4),))
    line = conversation_line(ConversationResult(conversation, (), 0.0))
    assert line == "PASS  c  (evil\\x1b]0;pwned\\x07.yaml:2)"
    assert str(Problem("evil\x1b.yaml", 3, "x")).startswith("evil\\x1b.yaml:3:")


def test_a_test_file_named_with_an_escape_never_reaches_the_terminal(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "ok\x1b[2J.yaml"
    good.write_text(one_turn_file("intent: greeting"), encoding="utf-8")
    bad = tmp_path / "bad\x1b[2J.yaml"
    bad.write_text(one_turn_file("intnet: greeting"), encoding="utf-8")
    status, out, err = run_main(["test", str(good), str(bad)], capsys)
    assert status == 2
    assert "\x1b" not in out + err
    assert "ok\\x1b[2J.yaml:2)" in out and "bad\\x1b[2J.yaml:5: unknown key" in err


# --- item 14: arguments that name nothing, the wrong kind of file, or an input ------------

@pytest.mark.parametrize("args", [
    ["--knowledge", "", "ask", "hi"], ["ask", "--knowledge", "", "hi"], ["validate", "--knowledge="],
    ["test", "--json-file", "", "t.chat.yaml"], ["test", "--junit-xml", "", "t.chat.yaml"],
    ["test", ""], ["test", "--record", ""],
])
def test_an_empty_path_argument_is_a_usage_error(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(args)
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "usage:" in err and "must not be empty" in err


def test_a_fifo_named_as_a_test_file_is_not_a_regular_file(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fifo = tmp_path / "t.yaml"
    os.mkfifo(fifo)
    status, _, err = run_main(["test", str(fifo)], capsys)  # must not block opening it either
    assert status == 2
    assert f"{fifo}: not a regular file (a FIFO)" in err and "no such file" not in err


def test_a_report_that_cannot_be_written_names_the_real_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    test_file = tmp_path / "t.yaml"
    test_file.write_text(one_turn_file("intent: greeting"), encoding="utf-8")
    status, out, err = run_main(["test", "--junit-xml", "/dev/full", str(test_file)], capsys)
    assert status == 2
    assert "cannot write --junit-xml /dev/full: No space left on device" in err
    assert "None" not in err and "1 passed, 0 failed" in out


def a_test_dir(tmp_path: Path) -> Path:
    test_dir = tmp_path / "tests"
    test_dir.mkdir(exist_ok=True)
    (test_dir / "t.yaml").write_text(one_turn_file("intent: greeting"), encoding="utf-8")
    return test_dir


def clash(tmp_path: Path, capsys: pytest.CaptureFixture[str], *options: str) -> str:
    test_dir = a_test_dir(tmp_path)
    test_file = test_dir / "t.yaml"
    before = test_file.read_bytes()
    status, _, err = run_main(["test", *options, str(test_dir)], capsys)
    assert status == 2 and test_file.read_bytes() == before
    return err


def test_the_overwrite_guard_knows_a_hard_link_to_a_test_file(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    os.link(a_test_dir(tmp_path) / "t.yaml", tmp_path / "report.json")
    err = clash(tmp_path, capsys, "--json-file", str(tmp_path / "report.json"))
    assert "--json-file would write over the test file" in err


def test_the_overwrite_guard_knows_an_upper_case_yaml_suffix(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = clash(tmp_path, capsys, "--junit-xml", str(tmp_path / "REPORT.YAML"))
    assert "would write a report to a YAML file" in err
    assert not (tmp_path / "REPORT.YAML").exists()


def test_the_two_reports_may_not_share_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = str(tmp_path / "out.xml")
    err = clash(tmp_path, capsys, "--junit-xml", target, "--json-file", target)
    assert "--junit-xml and --json-file name the same file" in err


# --- item 13: an output that cannot be written is an error; stderr's failure is not -------

def process(args: list[str], shell_redirect: str = "", **kwargs: object) -> subprocess.CompletedProcess[str]:
    """`python -m bot ARGS` in a real process (file descriptors and signals are the point)."""
    command = " ".join([f"'{sys.executable}'", "-m", "bot", *args]) + " " + shell_redirect
    return subprocess.run(["sh", "-c", "exec " + command], capture_output=True, text=True, cwd=ROOT,
                          timeout=60, **kwargs)  # type: ignore[call-overload]


@pytest.mark.parametrize("redirect, reason", [
    (">&-", "standard output is closed"), (">/dev/full", "No space left on device"),
])
def test_an_answer_that_cannot_be_written_is_an_error(redirect: str, reason: str) -> None:
    done = process(["ask", "hi"], redirect)
    assert done.returncode == 2
    assert done.stderr == f"mlbot: cannot write standard output: {reason}\n"


def test_validate_succeeds_with_stderr_on_dev_full() -> None:
    done = process(["validate"], "2>/dev/full")
    assert done.returncode == 0 and done.stdout.startswith("ok: ")


class _FullStream(io.StringIO):
    def write(self, text: str) -> int:
        raise OSError(28, "No space left on device")


def test_a_report_on_a_full_stderr_does_not_fail_the_run(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    test_file = tmp_path / "t.yaml"
    test_file.write_text(one_turn_file("intent: greeting"), encoding="utf-8")
    monkeypatch.setattr(sys, "stderr", _FullStream())
    assert main(["test", "--json", str(test_file)]) == 0  # PASS lines go to stderr with --json
    assert json.loads(capsys.readouterr().out)["passed"] == 1
    assert main(["validate", "--knowledge", str(tmp_path / "nothing")]) == 2  # and its messages


# Ctrl-C as the start-up imports mlbot's modules: deterministic, unlike a timed kill. The
# command line imports next to nothing; the cache and the engine (unpickled) are the bulk.
CTRL_C_WHILE_LOADING = """
import os, signal, sys
class SendCtrlC:
    def find_spec(self, name, path=None, target=None):
        if name == {module!r}:
            os.kill(os.getpid(), signal.SIGINT)
        return None
sys.meta_path.insert(0, SendCtrlC())
sys.argv = ["mlbot", "ask", "hi"]
from bot.cli import main
sys.exit(main())
"""


@pytest.mark.parametrize("module", ["bot.cache", "bot.engine", "bot.cli_parser"])
def test_ctrl_c_while_starting_up_exits_130_without_a_traceback(module: str) -> None:
    argv = ["ask", "hi", "--json"] if module == "bot.cli_parser" else ["ask", "hi"]  # argparse reads the first
    code = CTRL_C_WHILE_LOADING.format(module=module).replace('["mlbot", "ask", "hi"]', repr(["mlbot", *argv]))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True,
                          text=True, cwd=ROOT, timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (130, "", "\n")


def test_importing_the_cli_leaves_ctrl_c_as_it_was() -> None:
    import signal

    assert signal.getsignal(signal.SIGINT) is not cli._interrupted_while_loading
