"""The command line's own behaviour, in-process: options before or after the subcommand,
exit codes, blank questions, reading stdin, and what happens when the engine fails on one
line of a chat (the others are still answered)."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import __version__
from bot.cli import (
    EXIT_INTERRUPTED,
    EXIT_NOT_UNDERSTOOD,
    EXIT_OK,
    EXIT_USAGE,
    LINE_CUT_NOTICE,
    _read_lines,
    load_bot,
    main,
)
from bot.cli_parser import build_parser
from bot.engine import Bot
from bot.loader import builtin_dir


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("MLBOT_KNOWLEDGE", raising=False)


def run(capsys: pytest.CaptureFixture[str], argv: list[str],
        stdin: bytes = b"") -> tuple[int, str, str]:
    old = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
    try:
        code = main(argv)
    finally:
        sys.stdin = old
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def other_kb(tmp_path: Path) -> Path:
    """A copy of the built-in notes with a recognisable title."""
    kb = tmp_path / "other"
    shutil.copytree(builtin_dir(), kb)
    notes = kb / "facts" / "notes.yaml"
    text = notes.read_text(encoding="utf-8")
    start = text.index("title:")
    end = text.index("\n", start)
    notes.write_text(text[:start] + "title: Zebra Notes" + text[end:], encoding="utf-8")
    return kb


# --- options --------------------------------------------------------------------------

@pytest.mark.parametrize("argv", [
    ["--knowledge", "{kb}", "validate"], ["validate", "--knowledge", "{kb}"],
    ["--knowledge", "{kb}", "ask", "hi"], ["ask", "--knowledge", "{kb}", "hi"],
    ["--knowledge", "{kb}", "chat"], ["chat", "--knowledge", "{kb}"], ["--knowledge", "{kb}"],
])
def test_knowledge_option_works_before_and_after_the_subcommand(
        argv: list[str], other_kb: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, [a.format(kb=other_kb) for a in argv], stdin=b"hi\n")
    assert code == EXIT_OK, err
    assert str(other_kb) in out or "Zebra Notes" in out


def test_knowledge_from_the_environment(other_kb: Path, capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLBOT_KNOWLEDGE", str(other_kb))
    assert "Zebra Notes" in run(capsys, ["ask", "hi"])[1]
    kb2 = other_kb.parent / "missing"
    code, _, err = run(capsys, ["--knowledge", str(kb2), "validate"])  # the option wins
    assert code == EXIT_USAGE and str(kb2) in err


@pytest.mark.parametrize("argv", [["--json", "chat"], ["chat", "--json"]])
def test_json_option_before_or_after_chat(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, argv, stdin=b"hi\n")
    assert code == EXIT_OK and json.loads(out)["intent"] == "greeting"


def test_debug_before_the_subcommand_is_kept(capsys: pytest.CaptureFixture[str]) -> None:
    args = build_parser().parse_args(["--debug", "--knowledge", "X", "ask", "hi"])
    assert args.debug is True and args.knowledge == "X"
    args = build_parser().parse_args(["ask", "--debug", "hi"])
    assert args.debug is True


def test_version_and_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0 and __version__ in capsys.readouterr().out
    for argv in (["ask"], ["frobnicate"], ["ask", "--no-such-option", "hi"]):
        with pytest.raises(SystemExit) as info:
            main(argv)
        assert info.value.code == EXIT_USAGE
        err = capsys.readouterr().err
        assert "usage:" in err and "Traceback" not in err


def test_a_question_that_looks_like_an_option(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, ["ask", "--", "--what does an mlops engineer do"])
    assert code == EXIT_OK and "MLOps" in out


# --- exit codes and blank questions -------------------------------------------------------

def test_ask_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, ["ask", "what does an mlops engineer do"])[0] == EXIT_OK
    assert run(capsys, ["ask", "what is the weather in Paris"])[0] == EXIT_NOT_UNDERSTOOD
    assert run(capsys, ["ask", "--knowledge", "/nonexistent/kb", "hi"])[0] == EXIT_USAGE


@pytest.mark.parametrize("question", ["", "   ", "\t", "\x1b[0m\x00"])
def test_ask_blank(question: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, ["ask", question])
    assert code == EXIT_NOT_UNDERSTOOD and err == ""
    assert out.startswith("Please ask a question")
    code, out, _ = run(capsys, ["ask", "--json", question])
    answer = json.loads(out)
    assert code == EXIT_NOT_UNDERSTOOD
    assert (answer["question"], answer["intent"]) == ("", "out_of_scope")
    assert answer["suggestions"]


def test_chat_text_mode_blank_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, ["chat"], stdin=b"\nhi\n")
    assert code == EXIT_OK
    assert out.startswith("Please ask a question") and "Hello" in out


def test_chat_explain_on_a_blank_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, ["chat", "--json", "--explain"], stdin=b"\n")
    assert code == EXIT_OK and len(out.splitlines()) == 1
    assert "empty question" in err


# --- reading stdin -------------------------------------------------------------------------

def test_read_lines_accepts_any_bytes_and_line_ends() -> None:
    stream = io.BytesIO(b"a\r\nb\n\xff\xfe\nlast")
    assert list(_read_lines(stream)) == [("a", False), ("b", False), ("\ufffd\ufffd", False),
                                        ("last", False)]


def test_read_lines_cuts_long_lines_and_skips_their_rest() -> None:
    stream = io.BytesIO(b"x" * 25 + b"\nshort\n" + b"y" * 10 + b"\n" + b"z" * 11 + b"\r\n")
    assert list(_read_lines(stream, limit=10)) == [
        ("x" * 10, True), ("short", False), ("y" * 10, False), ("z" * 10, True)]


def test_a_line_cut_before_the_engine_gets_a_notice(capsys: pytest.CaptureFixture[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bot.cli.MAX_LINE_BYTES", 50)
    monkeypatch.setattr("bot.cli._read_lines.__defaults__", (50,))
    code, out, err = run(capsys, ["chat"], stdin=b"hi" + b" " * 100 + b"there\n")
    assert code == EXIT_OK and "Hello" in out
    assert LINE_CUT_NOTICE in out


class _FailingStdin(io.TextIOWrapper):
    def __init__(self) -> None:
        super().__init__(io.BytesIO(b""), encoding="utf-8")

    @property
    def buffer(self) -> Any:
        class Broken(io.BytesIO):
            def readline(self, size: int | None = -1) -> bytes:
                raise OSError(5, "Input/output error")
        return Broken()


def test_an_unreadable_stdin_is_one_message(capsys: pytest.CaptureFixture[str]) -> None:
    old = sys.stdin
    sys.stdin = _FailingStdin()
    try:
        code = main(["chat", "--json"])
    finally:
        sys.stdin = old
    err = capsys.readouterr().err
    assert code == EXIT_USAGE
    assert err.strip() == "mlbot: cannot read standard input: Input/output error"


def test_ctrl_c_while_reading_stdin(capsys: pytest.CaptureFixture[str],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*_: object, **__: object) -> Any:
        raise KeyboardInterrupt
        yield  # pragma: no cover - makes this a generator

    monkeypatch.setattr("bot.cli._stdin_lines", interrupted)
    code = main(["chat", "--json"])
    assert code == EXIT_INTERRUPTED
    assert "Traceback" not in capsys.readouterr().err


# --- one bad line does not lose the others ------------------------------------------------

def test_an_engine_failure_on_one_line_keeps_the_chat_going(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    real = Bot.answer

    def flaky(self: Bot, question: str, context: Any = None, **options: Any) -> Any:
        if "boom" in question:
            raise RuntimeError("simulated engine bug")
        return real(self, question, context, **options)

    monkeypatch.setattr(Bot, "answer", flaky)
    code, out, err = run(capsys, ["chat", "--json"],
                         stdin=b"what does an mlops engineer do\nboom \x1b[31m\nwhat skills do they need\n")
    answers = [json.loads(line) for line in out.splitlines()]
    assert [a["intent"] for a in answers] == ["role_overview", "out_of_scope", "role_skills"]
    assert answers[1]["question"] == "boom"  # cleaned
    assert answers[2]["entities"]["roles"] == ["mlops_engineer"]  # the context survived
    assert code == EXIT_USAGE  # the run still says something went wrong
    assert "internal error on line 2: RuntimeError: simulated engine bug" in err
    assert "Traceback" not in err and "\x1b" not in err
    with pytest.raises(RuntimeError):
        run(capsys, ["chat", "--json", "--debug"], stdin=b"boom\n")


def test_an_engine_failure_in_ask_is_one_message(capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(self: Bot, question: str, context: Any = None, **options: Any) -> Any:
        raise ValueError("simulated")

    monkeypatch.setattr(Bot, "answer", broken)
    code, out, err = run(capsys, ["ask", "hi"])
    assert code == EXIT_USAGE and out == ""
    assert err.strip() == "mlbot: internal error: ValueError: simulated (run with --debug for details)"


def test_load_bot_gives_a_working_bot() -> None:
    bot = load_bot(None)
    assert bot.answer("hi").intent == "greeting"


def test_fd_reader_knows_when_a_whole_line_is_waiting() -> None:
    import os

    from bot.cli import _FdReader, _read_lines

    r, w = os.pipe()
    os.write(w, b"first\nsecond\nthi")
    os.close(w)
    reader = _FdReader(r)
    lines = _read_lines(reader)  # type: ignore[arg-type]
    assert next(lines) == ("first", False)
    assert reader.has_line()  # "second" is already here: no need to flush before it
    assert next(lines) == ("second", False)
    assert not reader.has_line()  # only a partial line left: flush before waiting
    assert list(lines) == [("thi", False)]
    os.close(r)


# --- the quick command-line reader agrees with argparse -----------------------------------

def _full_parse(argv: list[str]) -> dict[str, Any] | str:
    """What argparse makes of `argv`: its attributes, or "exit N" for help, version, errors."""
    from bot.cli_parser import parse_args

    try:
        return vars(parse_args(argv))
    except SystemExit as exc:
        return f"exit {exc.code}"


QUICK_SHAPES = [
    ["ask", "hi"], ["ask", "what", "does", "it", "do"], ["ask", "-"], ["ask", ""], ["ask", "--json", "-"],
    ["--json", "ask", "q"], ["--explain", "--debug", "ask", "--json", "q"], ["--no-color", "ask", "q"],
    ["--knowledge", "K", "ask", "q"], ["--knowledge=K", "ask", "--knowledge", "L", "q"],
    ["ask", "--knowledge=K", "q", "w"], ["--knowledge", "ask"], ["--knowledge", "chat", "chat"],
    [], ["chat"], ["--json"], ["chat", "--json", "--explain", "--no-color", "--debug"],
    ["--json", "chat", "--knowledge", "K"], ["ask", "ask"], ["ask", "chat", "x"],
]
FALLBACK_SHAPES = [
    ["ask"], ["ask", "--help"], ["-h"], ["--version"], ["ask", "--version"], ["ask", "--no-color", "q"],
    ["ask", "q", "--json"], ["ask", "-", "x"], ["ask", "x", "-"], ["ask", "--", "-x"], ["ask", "-x"],
    ["ask", "--js", "q"], ["--knowledge"], ["--knowledge", ""], ["--knowledge="], ["--knowledge", "-x", "ask", "q"],
    ["ask", "--knowledge"], ["chat", "x"], ["validate"], ["test", "t.yaml"], ["nope"], ["ask", "--json=1", "q"],
    ["--json", "--", "ask", "q"], ["ask", "-1"],
]


@pytest.mark.parametrize("argv", QUICK_SHAPES)
def test_plain_ask_and_chat_are_read_without_argparse_as_argparse_reads_them(argv: list[str]) -> None:
    from bot.cli import quick_args

    quick = quick_args(argv)
    assert quick is not None, f"{argv} should not need argparse"
    assert vars(quick) == _full_parse(argv)


@pytest.mark.parametrize("argv", FALLBACK_SHAPES)
def test_everything_else_goes_to_argparse(argv: list[str]) -> None:
    from bot.cli import quick_args

    assert quick_args(argv) is None


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(["ask", "chat", "test", "-", "--", "", "q", "-x", "--json", "--explain",
                                 "--debug", "--no-color", "--knowledge", "--knowledge=K", "--knowledge=",
                                 "--help", "--js", "K"]), max_size=6))
def test_the_quick_reader_never_disagrees_with_argparse(argv: list[str]) -> None:
    from bot.cli import quick_args

    quick = quick_args(argv)
    if quick is not None:
        assert vars(quick) == _full_parse(argv), argv


def test_a_plain_ask_builds_no_argparse_parser(tmp_path: Path) -> None:
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), "XDG_STATE_HOME": str(tmp_path / "state")}
    code = ("import sys; from bot.cli import main; main(['ask', '--json', 'hi']); "
            "sys.stderr.write(' '.join(m for m in ('argparse', 'shutil') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          check=False, env=env)
    assert done.stderr == ""
