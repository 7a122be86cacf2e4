"""The REPL in a real pseudo-terminal: what a user sees and the exit status they get."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest

from bot.engine import Bot
from bot.loader import builtin_dir, load_knowledge

pexpect = pytest.importorskip("pexpect")

KNOWLEDGE = load_knowledge(builtin_dir())
FACTS = KNOWLEDGE.facts
MLOPS = FACTS.role_by_id["mlops_engineer"]
VISION = FACTS.role_by_id["computer_vision_engineer"]
# SGR colour codes (foreground/background, 8/16/256/true colour), not bold or reverse
COLOUR = re.compile(r"\x1b\[[0-9;]*(?:3[0-9]|4[0-9]|9[0-7]|10[0-7])(?:;[0-9;]*)?m")


def test_ask_follow_up_complete_and_leave(start: Any, tmp_path: Path) -> None:
    term = start()
    term.expect("/help")  # the banner says how to get help
    term.expect_prompt()

    term.ask("what does an mlops engineer do")
    term.expect(MLOPS.focus)
    term.expect(f"talking about: {MLOPS.name}")  # the bottom toolbar
    term.expect_prompt()

    term.ask("what skills do they need?")
    for skill in MLOPS.skills:
        term.expect(f"• {skill}")
    term.expect_prompt()

    # Tab completes a role name inside the sentence; a second Tab picks the first offer
    term.send("what does a comp")
    term.expect_prompt("what does a comp")
    term.send("\t")
    term.expect(VISION.name)
    term.send("\t")
    term.expect_prompt(f"what does a {VISION.name}")
    term.ask(" do")
    term.expect(VISION.focus)
    term.expect_prompt()

    term.send("\x04")  # Ctrl-D
    assert term.wait_exit() == 0
    history = (tmp_path / "state" / "mlbot" / "history").read_text(encoding="utf-8")
    assert "+what skills do they need?" in history
    assert f"+what does a {VISION.name} do" in history


def test_ctrl_c_clears_the_line_and_stays(start: Any) -> None:
    term = start()
    term.expect_prompt()
    term.send("half a question")
    term.expect_prompt("half a question")
    term.send("\x03")  # Ctrl-C
    term.expect_prompt()
    term.send("\x03")  # on an empty line: a hint, still no exit
    term.expect("Ctrl-D or /quit to leave")
    term.ask("/quit")
    assert term.wait_exit() == 0


def test_clarifying_question_then_a_number(start: Any) -> None:
    term = start()
    term.expect_prompt()
    term.ask("what does an engineer do")
    term.expect("Type a number to choose")
    term.expect_prompt()
    term.ask("2")
    term.expect("Key skills:")
    term.send("\x04")
    assert term.wait_exit() == 0


def test_colour_on_a_terminal_and_off_under_no_color(start: Any) -> None:
    coloured = start()
    coloured.ask("what does an mlops engineer do")
    coloured.expect(MLOPS.focus)
    coloured.send("\x04")
    assert coloured.wait_exit() == 0
    assert COLOUR.search("".join(coloured.raw)), "expected colour on a colour terminal"

    for plain in (start(NO_COLOR="1"), start("--no-color")):
        plain.ask("what does an mlops engineer do")
        plain.expect(MLOPS.focus)
        plain.send("\x04")
        assert plain.wait_exit() == 0
        found = COLOUR.search("".join(plain.raw))
        assert found is None, f"colour code {found.group(0)!r} printed with colour off"


def test_narrow_terminal_wraps_words_not_letters(start: Any) -> None:
    question = "compare an ml engineer with an mlops engineer"
    answer = Bot(KNOWLEDGE).answer(question)
    term = start(columns=36)
    term.expect_prompt()
    term.ask(question)
    term.expect("Main focus")  # too narrow for the table: the answer's own words
    term.expect_prompt()
    screen = term.screen.text().split("\n")
    assert all(len(line) <= 36 for line in screen)
    # the answer's lines hold whole words only: none is cut at the edge of the screen
    start_row = max(i for i, line in enumerate(screen) if line.startswith("mlbot> compare"))
    end_row = max(i for i, line in enumerate(screen) if line.startswith("mlbot>"))
    known = set(re.findall(r"\w+", " ".join([answer.text, *answer.suggestions, "You could ask"])))
    known |= {str(n) for n in range(1, len(answer.suggestions) + 1)}  # numbered suggestions
    question_rows = -(-len("mlbot> " + question) // 36)
    shown = [line for line in screen[start_row + question_rows:end_row] if line.strip()]
    assert shown, term.screen.dump()
    cut = [w for line in shown for w in re.findall(r"\w+", line) if w not in known]
    assert not cut, f"expected whole words; actual pieces {cut}\nscreen:\n{term.screen.dump()}"
    term.send("\x04")
    assert term.wait_exit() == 0


def test_unwritable_history_warns_once_and_goes_on(start: Any, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the state directory should be")
    term = start(XDG_STATE_HOME=str(blocker))
    term.expect("warning: cannot write the history file")
    term.ask("what does an mlops engineer do")
    term.expect(MLOPS.focus)
    term.ask("what skills do they need?")
    term.expect(f"• {MLOPS.skills[0]}")
    term.expect_prompt()
    assert term.screen.text().count("warning:") == 1
    term.send("\x04")
    assert term.wait_exit() == 0
    assert "Traceback" not in "".join(term.raw)



def _line_editing(term: Any) -> bool:
    """Whether the pseudo-terminal is in the mode a shell expects (canonical, echoing), as
    opposed to the raw mode in which prompt_toolkit reads keys."""
    import termios

    lflag = termios.tcgetattr(term.child.child_fd)[3]
    return bool(lflag & termios.ICANON and lflag & termios.ECHO)


def test_a_raw_escape_sequence_typed_is_dropped_not_a_crash(start: Any) -> None:
    # without bracketed paste, prompt_toolkit reads ESC[31m as a (malformed) mouse event
    term = start()
    term.expect_prompt()
    term.send("\x1b[31m")
    term.send("hello")
    term.expect_prompt("hello")
    term.ask("")
    term.expect_prompt()
    term.send("\x04")
    assert term.wait_exit() == 0
    assert "Unhandled exception" not in "".join(term.raw)


@pytest.mark.parametrize("signame", ["SIGTERM", "SIGHUP"])
def test_a_signal_at_the_prompt_puts_the_terminal_back(start: Any, signame: str) -> None:
    import signal

    number = getattr(signal, signame)
    term = start()
    term.send("half a line")
    term.expect_prompt("half a line")
    assert not _line_editing(term)  # raw while reading keys
    term.child.kill(number)
    term.wait(lambda: term.eof, "the program to exit")
    assert _line_editing(term), "the terminal was left in raw mode"
    assert term.wait_exit() == 128 + number
    assert "Traceback" not in "".join(term.raw)


def test_closing_the_terminal_ends_the_session_as_a_hangup(start: Any) -> None:
    import signal

    term = start()
    term.send("half a line")
    term.expect_prompt("half a line")
    term.child.close(force=False)  # the window closes: the kernel sends SIGHUP, writes fail
    deadline = time.monotonic() + 10  # a loaded machine may take a while to let it exit
    while term.child.isalive() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert term.child.exitstatus == 128 + signal.SIGHUP
