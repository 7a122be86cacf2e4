"""`mlbot ask -`: questions from stdin, one a line, each answered on its own (the contract)."""

import json
import subprocess
import sys

from bot.cli import MAX_LINE_BYTES


def ask_stdin(data: bytes, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "bot", "ask", *args, "-"], input=data,
                          capture_output=True, timeout=60)


def test_one_json_line_per_question_in_order_without_context():
    done = ask_stdin(b"what does an nlp engineer do\nwhat skills do they need?\n\nhi\n", "--json")
    assert done.returncode == 0, done.stderr
    answers = [json.loads(line) for line in done.stdout.splitlines()]
    assert [a["question"] for a in answers] == ["what does an nlp engineer do", "what skills do they need?", "", "hi"]
    assert answers[0]["entities"]["roles"] == ["nlp_engineer"]
    # no context between lines: "they" refers to nothing here
    assert answers[1]["entities"]["roles"] == []
    assert answers[3]["intent"] == "greeting"


def test_not_understood_lines_still_exit_zero():
    done = ask_stdin(b"what is the weather in paris\n", "--json")
    assert done.returncode == 0
    assert json.loads(done.stdout)["intent"] == "out_of_scope"


def test_a_line_without_end_is_bounded_and_still_answered():
    done = ask_stdin(b"x" * (MAX_LINE_BYTES * 3), "--json")
    assert done.returncode == 0
    assert len(done.stdout.splitlines()) == 1


def test_plain_text_answers_are_separated_by_blank_lines():
    done = ask_stdin(b"hi\nbye\n")
    assert done.returncode == 0
    text = done.stdout.decode()
    assert text.endswith("\n\n") and text.index("Hello") < text.index("Goodbye")


def test_a_reader_that_goes_away_is_quiet(tmp_path):
    questions = tmp_path / "questions.txt"
    questions.write_bytes(b"hi\n" * 100_000)
    with questions.open("rb") as stdin:
        proc = subprocess.Popen([sys.executable, "-m", "bot", "ask", "--json", "-"], stdin=stdin,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert proc.stdout is not None
        proc.stdout.readline()
        proc.stdout.close()  # the reader goes away (`| head -1`)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 141
    assert b"Traceback" not in err
