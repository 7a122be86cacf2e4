"""The command line against hostile input and I/O faults, as a user's shell or script
would meet them: every line in gets exactly one JSON line out, in order and at once; bytes
that are not UTF-8, NUL, huge lines, a closed or unreadable stdin, a reader that goes away,
Ctrl-C, a terminal that cannot show Unicode, a broken cache: an answer or one clear line,
never a traceback or a hang.

In-process runs (`bot.cli.main`) carry the property tests; real processes (`python -m
bot`, ~0.2 s each) check what only a process shows: signals, pipes, file descriptors.
"""

from __future__ import annotations

import io
import json
import os
import select
import signal
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.cli import MAX_LINE_BYTES, main
from bot.understanding.normalise import MAX_QUESTION_CHARS, clean_text

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 30


_CACHE_HOME: list[Path] = []


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory,
                   monkeypatch: pytest.MonkeyPatch) -> None:
    # one cache for the whole module: warm, the processes start faster; never the real one
    if not _CACHE_HOME:
        _CACHE_HOME.append(tmp_path_factory.mktemp("cache-home"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(_CACHE_HOME[0]))
    monkeypatch.delenv("MLBOT_KNOWLEDGE", raising=False)


def env_for(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, **extra}  # XDG_CACHE_HOME set by _private_cache
    env.pop("MLBOT_KNOWLEDGE", None)
    return env


def mlbot(args: Sequence[str | bytes], tmp_path: Path, stdin: bytes = b"",
          **extra: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, capture_output=True,
                          env=env_for(tmp_path, **extra), cwd=ROOT, timeout=TIMEOUT)


def expected_question(raw: bytes) -> str:
    """What the bot should echo for one line of stdin."""
    return clean_text(raw.decode("utf-8", errors="replace").removesuffix("\r"))[0]


def json_lines(out: bytes | str) -> list[dict[str, object]]:
    text = out.decode("utf-8") if isinstance(out, bytes) else out
    assert text.endswith("\n") or not text
    return [json.loads(line) for line in text.split("\n")[:-1]]


# --- every line in, one JSON line out -------------------------------------------------

HOSTILE_LINES = [
    b"", b"   ", b"\t", b"\x00", b"\x00\x00\x00what does an mlops engineer do", b"\xff\xfe\xfd",
    b"hi \xc3\x28 there", b"\xed\xa0\x80", b"\x1b[31mwhat does an mlops engineer do\x1b[0m",
    b"\x1b]0;pwned\x07", b"\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\", b"\xc2\x9b31m",
    "\u202ewhat skills do they need".encode(), "🤖👨‍💻".encode(), "机器学习工程师做什么".encode(),
    "مرحبا".encode(), b"{0} %s {{7*7}} ${HOME}", b"what does a {role} do", b"\r", b"x\ry",
    "a\u2028b\u2029c\x85d".encode(), b"\x0b\x0c\x1c\x1d\x1e", b"\xef\xbb\xbfhi",
]

lines_strategy = st.lists(
    st.one_of(
        st.sampled_from(HOSTILE_LINES),
        st.binary(max_size=40).map(lambda b: b.replace(b"\n", b"")),
        st.text(max_size=40).map(lambda t: t.replace("\n", "").encode("utf-8", "surrogatepass")),
    ),
    min_size=1, max_size=8,
)


def run_chat_in_process(data: bytes, capsys: pytest.CaptureFixture[str],
                        args: tuple[str, ...] = ("chat", "--json")) -> tuple[int, str, str]:
    old = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")
    try:
        code = main(list(args))
    finally:
        sys.stdin = old
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def check_one_json_line_per_line(lines: list[bytes], out: bytes | str) -> None:
    answers = json_lines(out)
    assert len(answers) == len(lines)
    for raw, answer in zip(lines, answers, strict=True):
        assert answer["question"] == expected_question(raw)  # in order


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(lines=lines_strategy, final_newline=st.booleans(), crlf=st.booleans())
def test_chat_json_one_line_out_per_line_in(lines: list[bytes], final_newline: bool, crlf: bool,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    end = b"\r\n" if crlf else b"\n"
    data = end.join(lines) + (end if final_newline else b"")
    if not final_newline and lines[-1] == b"":  # "a\n" + "" is one line, not two
        lines = lines[:-1] or lines
        data = end.join(lines) + end
    code, out, err = run_chat_in_process(data, capsys)
    assert code == 0, err
    assert "Traceback" not in err
    check_one_json_line_per_line(lines, out)


@settings(max_examples=4, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(lines=lines_strategy)
def test_chat_json_process_one_line_out_per_line_in(lines: list[bytes], tmp_path: Path) -> None:
    done = mlbot(["chat", "--json"], tmp_path, stdin=b"\n".join(lines) + b"\n")
    assert done.returncode == 0, done.stderr
    assert done.stderr == b""
    check_one_json_line_per_line(lines, done.stdout)


def test_every_hostile_line_in_one_process(tmp_path: Path) -> None:
    done = mlbot(["chat", "--json"], tmp_path, stdin=b"\n".join(HOSTILE_LINES) + b"\n")
    assert done.returncode == 0 and done.stderr == b""
    check_one_json_line_per_line(HOSTILE_LINES, done.stdout)
    for answer in json_lines(done.stdout):
        assert answer["intent"] and isinstance(answer["answer"], str)


def test_chat_text_mode_survives_the_same(tmp_path: Path) -> None:
    done = mlbot(["chat"], tmp_path, stdin=b"\n".join(HOSTILE_LINES) + b"\n")
    assert done.returncode == 0 and done.stderr == b""
    out = done.stdout.decode("utf-8")
    assert "\x1b" not in out and "\x00" not in out and "\u202e" not in out
    blank = [line for line in HOSTILE_LINES if not expected_question(line)]
    assert out.count("Please ask a question") == len(blank)


def test_a_blank_line_in_chat_is_one_answer_and_keeps_the_context(
        capsys: pytest.CaptureFixture[str]) -> None:
    data = b"what does an mlops engineer do\n\n   \nwhat skills do they need\n"
    code, out, _ = run_chat_in_process(data, capsys)
    answers = json_lines(out)
    assert code == 0 and len(answers) == 4
    assert [a["intent"] for a in answers] == ["role_overview", "out_of_scope", "out_of_scope",
                                              "role_skills"]
    assert answers[3]["entities"]["roles"] == ["mlops_engineer"]  # type: ignore[index]


# --- long lines ---------------------------------------------------------------------------

def test_a_1_mb_line_is_cut_with_a_notice(tmp_path: Path) -> None:
    line = b"what does an mlops engineer do " * 34_000  # ~1 MB
    done = mlbot(["chat", "--json"], tmp_path, stdin=line + b"\nhi\n")
    assert done.returncode == 0
    answers = json_lines(done.stdout)
    assert len(answers) == 2
    assert len(str(answers[0]["question"])) <= MAX_QUESTION_CHARS
    assert answers[0]["intent"] == "role_overview" and answers[1]["intent"] == "greeting"
    assert b"cut" in done.stderr and b"Traceback" not in done.stderr  # the notice, on stderr
    text = mlbot(["ask", (line[:100_000]).decode()], tmp_path)  # argv: 128 KiB at most
    assert text.returncode == 0 and b"cut" in text.stdout
    assert str(MAX_QUESTION_CHARS).encode() in text.stdout


def test_a_line_without_end_is_read_in_bounded_pieces(capsys: pytest.CaptureFixture[str]) -> None:
    # 40 MB with no newline (`mlbot chat < /dev/zero`, briefly): one answer, memory bounded
    data = b"\x00" * (40 * MAX_LINE_BYTES) + b"\nhi"
    code, out, err = run_chat_in_process(data, capsys)
    answers = json_lines(out)
    assert code == 0 and [a["intent"] for a in answers] == ["out_of_scope", "greeting"]
    assert "cut" in err


def test_a_line_cut_before_decoding_still_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    # what survives the byte limit is blank after cleaning: the engine cannot know the line
    # was cut, so the command line says it
    data = b" " * MAX_LINE_BYTES + b"what does an mlops engineer do\n"
    code, out, err = run_chat_in_process(data, capsys)
    assert code == 0 and len(json_lines(out)) == 1
    assert f"at most {MAX_LINE_BYTES} bytes" in err


# --- answers come out as soon as they are ready --------------------------------------------

def _read_line(proc: subprocess.Popen[bytes], timeout: float = 10.0) -> bytes:
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    assert ready, "no answer while stdin is still open: output is stuck in a buffer"
    return proc.stdout.readline()


@pytest.fixture
def chat_process(tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen([sys.executable, "-m", "bot", "chat", "--json"], cwd=ROOT,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=env_for(tmp_path))
    yield proc
    if proc.poll() is None:
        proc.kill()
    proc.wait(TIMEOUT)
    for stream in (proc.stdin, proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()


def test_each_answer_is_flushed_before_the_next_question(chat_process: subprocess.Popen[bytes]) -> None:
    assert chat_process.stdin is not None and chat_process.stderr is not None
    for question, intent in ((b"what does an mlops engineer do", "role_overview"),
                             (b"", "out_of_scope"), (b"what skills do they need", "role_skills")):
        chat_process.stdin.write(question + b"\n")
        chat_process.stdin.flush()
        assert json.loads(_read_line(chat_process))["intent"] == intent
    chat_process.stdin.close()
    assert chat_process.wait(TIMEOUT) == 0
    assert chat_process.stdout is not None and chat_process.stdout.read() == b""
    assert chat_process.stderr.read() == b""


def test_ctrl_c_exits_130_without_a_traceback(chat_process: subprocess.Popen[bytes]) -> None:
    assert chat_process.stdin is not None and chat_process.stderr is not None
    chat_process.stdin.write(b"hi\n")
    chat_process.stdin.flush()
    _read_line(chat_process)  # started, answered, now waiting on stdin
    chat_process.send_signal(signal.SIGINT)
    assert chat_process.wait(TIMEOUT) == 130
    err = chat_process.stderr.read()
    assert b"Traceback" not in err and b"KeyboardInterrupt" not in err


# --- the reader goes away ----------------------------------------------------------------

def _with_closed_reader(args: list[str], tmp_path: Path, stdin: bytes = b"") -> tuple[int, bytes]:
    read_end, write_end = os.pipe()
    os.close(read_end)  # like `| head` that has already exited
    try:
        proc = subprocess.Popen([sys.executable, "-m", "bot", *args], cwd=ROOT, env=env_for(tmp_path),
                                stdin=subprocess.PIPE, stdout=write_end, stderr=subprocess.PIPE)
    finally:
        os.close(write_end)
    _, err = proc.communicate(stdin, timeout=TIMEOUT)
    return proc.returncode, err


@pytest.mark.parametrize("args", [["validate"], ["ask", "--json", "hi"], ["chat"]])
def test_a_closed_pipe_is_quiet(args: list[str], tmp_path: Path) -> None:
    code, err = _with_closed_reader(args, tmp_path, stdin=b"what is ml\n" * 2000)
    assert err == b"", err.decode(errors="replace")
    assert code == 141  # SIGPIPE's status, as `cat` would have


def test_head_reads_one_answer_and_leaves(tmp_path: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "bot", "chat", "--json"], cwd=ROOT,
                            env=env_for(tmp_path), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    proc.stdin.write(b"hi\n")
    proc.stdin.flush()
    _read_line(proc)
    proc.stdout.close()  # `head -1` is done
    try:
        proc.stdin.write(b"what is ml\n" * 100)
        proc.stdin.close()
    except BrokenPipeError:  # it may already have gone
        pass
    assert proc.wait(TIMEOUT) == 141
    err = proc.stderr.read()
    proc.stderr.close()
    assert b"BrokenPipe" not in err and b"Exception ignored" not in err and err == b""


# --- odd stdin, stdout and terminals -----------------------------------------------------------

def test_closed_stdin_is_no_questions(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "bot", "chat", "--json"], cwd=ROOT,
                          env=env_for(tmp_path), capture_output=True, timeout=TIMEOUT,
                          stdin=None, preexec_fn=lambda: os.close(0))
    assert (done.returncode, done.stdout, done.stderr) == (0, b"", b"")


def test_closed_stdout_is_an_error(tmp_path: Path) -> None:
    # the answer is lost: say so and fail, as `cat` and `git` do (issue 15, item 13)
    done = subprocess.run([sys.executable, "-m", "bot", "ask", "hi"], cwd=ROOT, env=env_for(tmp_path),
                          stdin=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=TIMEOUT,
                          preexec_fn=lambda: os.close(1))
    assert (done.returncode, done.stderr) == (2, b"mlbot: cannot write standard output: standard output is closed\n")


@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
def test_a_terminal_without_unicode_gets_question_marks_not_a_traceback(
        encoding: str, tmp_path: Path) -> None:
    for args, code in ((["ask", "what does the career path look like"], 0),  # has "→"
                       (["ask", "--json", "🤖 机器学习"], 1)):
        done = mlbot(args, tmp_path, PYTHONIOENCODING=encoding)
        assert done.returncode == code, done.stderr
        assert done.stderr == b""
        assert done.stdout.strip()


def test_undecodable_argv_bytes(tmp_path: Path) -> None:
    done = mlbot(["ask", b"what does an \xff\xfe mlops engineer do"], tmp_path)
    assert done.returncode == 0 and done.stderr == b""
    assert b"MLOps" in done.stdout
    done = mlbot(["ask", "--json", b"\xff\xfe"], tmp_path)
    assert done.returncode == 1 and done.stderr == b""
    assert json.loads(done.stdout)["question"] == "\ufffd\ufffd"  # as stdin would read them


def test_ask_an_empty_question(tmp_path: Path) -> None:
    for question in ("", "\x1b[0m"):
        done = mlbot(["ask", question], tmp_path)
        assert done.returncode == 1 and done.stderr == b""
        assert done.stdout.startswith(b"Please ask a question")


def test_escape_sequences_never_reach_the_terminal(tmp_path: Path) -> None:
    question = "what does a \x1b[31mdata\x1b[0m \x1b]0;owned\x07engineer\u202e do \x9b2J"
    for args in (["ask", "--explain", question], ["ask", "--json", "--explain", question]):
        done = mlbot(args, tmp_path)
        both = done.stdout + done.stderr
        assert done.returncode == 1
        for bad in (b"\x1b", b"\x07", "\u202e".encode(), "\x9b".encode()):
            assert bad not in both
    done = mlbot(["chat", "--explain"], tmp_path, stdin=question.encode() + b"\n")
    assert b"\x1b" not in done.stdout + done.stderr


# --- the start-up cache can never stop an answer ------------------------------------------------

def _answer_with_cache_home(cache_home: Path | str, tmp_path: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "bot", "ask", "what does an mlops engineer do"],
                          cwd=ROOT, env={**env_for(tmp_path), "XDG_CACHE_HOME": str(cache_home)},
                          capture_output=True, timeout=TIMEOUT)


def test_an_unwritable_cache_never_stops_an_answer(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the cache directory would go")
    done = _answer_with_cache_home(blocker, tmp_path)  # mkdir fails even for root
    assert (done.returncode, done.stderr) == (0, b"")
    assert b"MLOps" in done.stdout
    if hasattr(os, "geteuid") and os.geteuid() != 0:  # root ignores permission bits
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        done = _answer_with_cache_home(locked, tmp_path)
        assert (done.returncode, done.stderr) == (0, b"")


def test_a_corrupt_cache_never_stops_an_answer(tmp_path: Path) -> None:
    cache_home = tmp_path / "cache-home"
    first = _answer_with_cache_home(cache_home, tmp_path)
    assert first.returncode == 0
    entries = [p for p in cache_home.rglob("*") if p.is_file()]
    for how in ("garbage", "truncated"):
        for entry in entries:
            data = entry.read_bytes() if entry.exists() else b""
            entry.write_bytes({"garbage": b"\x80\x04not a pickle at all\x00" * 10,
                               "truncated": data[: len(data) // 2]}[how])
            entry.chmod(0o600)
        again = _answer_with_cache_home(cache_home, tmp_path)
        assert (again.returncode, again.stdout, again.stderr) == (0, first.stdout, b""), how

