"""Drive `mlbot` in a real pseudo-terminal and read the screen as a user would see it.

A failed wait raises AssertionError naming what was expected, what the line at the cursor
showed, and the whole screen (as pgcli's tests/features do), so a failure explains itself.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pexpect

from .screen import Screen

# generous: a loaded CI machine may be slow; a passing test never waits this long
TIMEOUT = 15.0


def mlbot_command() -> list[str]:
    """The installed `mlbot` script beside this Python, else `python -m bot`."""
    script = Path(sys.executable).parent / "mlbot"
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot"]


def terminal_env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("NO_COLOR", "MLBOT_KNOWLEDGE", "XDG_STATE_HOME", "COLUMNS", "LINES",
                        "PROMPT_TOOLKIT_NO_CPR")}
    env.update({
        "TERM": "xterm-256color",
        "HOME": str(home),
        "XDG_STATE_HOME": str(home / "state"),
        "LC_ALL": "C.UTF-8",
        "PYTHONIOENCODING": "utf-8",
    })
    env.update(extra)
    return env


class Terminal:
    def __init__(self, args: list[str], env: dict[str, str], rows: int = 40, columns: int = 100) -> None:
        self.screen = Screen(rows, columns)
        self.raw: list[str] = []
        self.started = time.monotonic()
        self.child = pexpect.spawn(args[0], args[1:], env=env, dimensions=(rows, columns),
                                   encoding="utf-8", codec_errors="replace", timeout=TIMEOUT)
        self.eof = False
        self._before = ""
        self._entered = False

    # -- reading --
    def _pump(self, timeout: float) -> None:
        if self.eof:
            time.sleep(timeout)
            return
        try:
            data = self.child.read_nonblocking(65536, timeout)
        except pexpect.TIMEOUT:
            return
        except pexpect.EOF:
            self.eof = True
            return
        self.raw.append(data)
        self.screen.feed(data)
        while self.screen.replies:
            self.child.send(self.screen.replies.pop(0))

    def cursor_line(self) -> str:
        return self.screen.display()[self.screen.y]

    def wait(self, check: Callable[[], bool], expected: str, timeout: float = TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if check():
                return
            if time.monotonic() > deadline or (self.eof and not check()):
                # read what is left, so the screen shown is complete
                self._pump(0.2)
                if check():
                    return
                raise AssertionError(
                    f"\nexpected: {expected}\n"
                    f"actual (line at the cursor): {self.cursor_line()!r}\n"
                    f"{'(the program has exited)' if self.eof else ''}\n"
                    f"screen:\n{self.screen.dump()}")
            self._pump(0.05)

    def expect(self, text: str, timeout: float = TIMEOUT) -> None:
        """Wait until `text` shows up anew (more often than before the last send)."""
        before = self._before.count(text)
        self.wait(lambda: self.screen.text().count(text) > before, f"{text!r} on the screen", timeout)

    def expect_prompt(self, text: str = "") -> None:
        """Wait until the cursor sits at the end of a prompt line showing `text` typed."""
        line = "mlbot> " + text
        # after Enter, a new prompt: more prompt lines on the screen than before the send
        prompts = self._before.count("\nmlbot>") + (1 if self._entered else 0)

        def ready() -> bool:
            return (self.cursor_line() == line.rstrip() and self.screen.x == len(line)
                    and ("\n" + self.screen.text()).count("\nmlbot>") >= prompts)

        self.wait(ready, f"the prompt with {text!r} typed and the cursor after it")

    # -- typing --
    def send(self, keys: str) -> None:
        self._pump(0.01)
        self._before = "\n" + self.screen.text()
        self._entered = "\r" in keys
        self.child.send(keys)

    def ask(self, question: str) -> None:
        self.send(question + "\r")

    # -- leaving --
    def wait_exit(self, timeout: float = TIMEOUT) -> int:
        self.wait(lambda: self.eof, "the program to exit", timeout)
        self.child.close()
        status = self.child.exitstatus
        return -1 if status is None else status

    def close(self) -> None:
        if self.child.isalive():
            self.child.terminate(force=True)
