"""The REPL: one PromptSession, a loop of prompt -> answer or command -> print.

`run_repl` is what `mlbot` / `mlbot chat` call on a terminal. prompt_toolkit is imported
here and in the modules beside this one only, so the engine and the other commands start
without it.
"""

from __future__ import annotations

import os
import signal
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

from prompt_toolkit import PromptSession
from prompt_toolkit.auto_suggest import AutoSuggestFromHistory
from prompt_toolkit.filters import Condition
from prompt_toolkit.formatted_text import FormattedText, StyleAndTextTuples
from prompt_toolkit.history import History
from prompt_toolkit.input import Input
from prompt_toolkit.output import ColorDepth, Output
from prompt_toolkit.shortcuts import print_formatted_text

from ..engine import Bot
from ..render import safe
from .commands import COMMANDS, banner, run_command
from .completer import MlbotCompleter
from .display import STYLE, Display, Result, message
from .history import SafeHistory, history_path
from .keys import key_bindings
from .state import State
from .toolbar import toolbar

PROMPT = "mlbot> "
# plain words that leave, as in most REPLs, besides /quit and Ctrl-D
QUIT_WORDS = frozenset({"quit", "exit", ":q"})
# after this many prompt failures in a row, give up rather than spin
MAX_PROMPT_FAILURES = 3

Writer = Callable[[StyleAndTextTuples], None]
# the signals that end a terminal session without a key: `kill`, a closed terminal window
ENDING_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


class Terminated(BaseException):
    """SIGTERM or SIGHUP arrived: leave the session as Ctrl-D would, with 128 + the signal.
    A BaseException, like KeyboardInterrupt, so that no `except Exception` swallows it."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.status = 128 + signum


def color_wanted(color: bool, output_is_terminal: bool) -> bool:
    """Colour unless told not to (--no-color, NO_COLOR of any non-empty value) or not a tty."""
    return color and output_is_terminal and not os.environ.get("NO_COLOR")


class Repl:
    """One interactive session. `input`, `output`, `history` and `write` are for tests."""

    def __init__(self, bot: Bot, *, color: bool = True, explain: bool = False, debug: bool = False,
                 input: Input | None = None, output: Output | None = None,
                 history: History | None = None, write: Writer | None = None) -> None:
        self.state = State(bot, explain=explain, debug=debug)
        self.display = Display(bot.knowledge.facts)
        self.color_depth = None if color else ColorDepth.DEPTH_1_BIT
        self.history = history if history is not None else SafeHistory(history_path())
        self._write = write
        self._background_errors: list[str] = []  # shown between prompts, with --debug
        self._ending_signal = 0  # SIGTERM or SIGHUP received: the session is ending
        self.completer = MlbotCompleter(
            bot.knowledge.facts, [(c.name, c.help) for c in COMMANDS],
            stopwords=bot.knowledge.language.vocabulary.stopwords, on_error=self._background_error)
        self.session: PromptSession[str] = PromptSession(
            message=[("class:prompt", PROMPT)],
            history=self.history,
            auto_suggest=AutoSuggestFromHistory(),
            completer=self.completer,
            # the menu pops up by itself only for slash commands; in a sentence, Tab asks
            complete_while_typing=Condition(self._typing_command),
            reserve_space_for_menu=6,
            bottom_toolbar=self._toolbar,
            style=STYLE,
            include_default_pygments_style=False,
            color_depth=self.color_depth,
            key_bindings=key_bindings(self.state),
            input=input,
            output=output,
        )
        self.session.default_buffer.on_text_changed += self._clear_hint

    def _clear_hint(self, _buffer: object) -> None:
        self.state.hint = ""  # the "how to leave" hint lasts until the user types again

    # -- pieces called by prompt_toolkit while it draws: they must never raise --
    def _typing_command(self) -> bool:
        return self.session.default_buffer.text.startswith("/")

    def _toolbar(self) -> StyleAndTextTuples:
        try:
            return toolbar(self.state, self.session.output.get_size().columns)
        except Exception as error:  # noqa: BLE001 - a toolbar bug must not end the session
            self._background_error(error)
            return [("", f" {PROMPT.strip()} ")]

    def _background_error(self, error: BaseException) -> None:
        if self.state.debug:
            self._background_errors.append("".join(traceback.format_exception(error)))

    # -- printing: answers and commands alike --
    def width(self) -> int:
        try:
            columns = self.session.output.get_size().columns
        except Exception:  # noqa: BLE001 - an odd terminal: fall back to the classic width
            columns = 80
        # one column spare: some terminals wrap early when the last column is written
        return max(10, columns - 1)

    def show(self, result: Result) -> None:
        fragments = self.display.fragments(result, self.width())
        if not result.parts:
            return
        fragments.append(("", "\n"))  # a blank line before the next prompt
        if self._write is not None:
            self._write(fragments)
            return
        print_formatted_text(FormattedText(fragments), end="", style=STYLE,
                             output=self.session.output, color_depth=self.color_depth,
                             include_default_pygments_style=False)

    def warn(self, text: str) -> None:
        self.show(message(f"warning: {text}", "class:warning"))

    def _drain_warnings(self) -> None:
        if isinstance(self.history, SafeHistory):
            for text in self.history.take_warnings():
                self.warn(text)
        for text in self._background_errors:
            self.show(message(text, "class:error"))
        self._background_errors.clear()

    # -- one line of input --
    def _failure(self, what: str) -> Result:
        if self.state.debug:
            return message(traceback.format_exc(), error=True)
        kind, value = sys.exc_info()[:2]
        name = kind.__name__ if kind else "error"
        return message(f"Sorry, something went wrong {what} ({name}: {value}). "
                       "Run mlbot with --debug to see the details.", error=True)

    def handle(self, line: str) -> Result | None:
        """The result of one line the user typed (None for an empty line)."""
        text = line.strip()
        if not text:
            return None
        if text.startswith("/"):
            try:
                return run_command(self.state, self.display, text)
            except Exception:  # noqa: BLE001 - the user sees a message, --debug the traceback
                return self._failure(f"running {safe(text.split()[0])}")
        if text.lower() in QUIT_WORDS:
            return Result((), quit=True)
        try:
            answer = self.state.bot.answer(text, self.state.context)
            self.state.record(answer)
            result = self.display.from_answer(answer, self.width(), explain=self.state.explain)
        except Exception:  # noqa: BLE001 - the user sees a message, --debug the traceback
            return self._failure("answering that")
        if answer.intent == "goodbye":
            return Result(result.parts, answer=answer, quit=True)
        return result

    # -- signals that end the session --
    def _terminate(self, signum: int, frame: FrameType | None) -> None:
        """At the prompt, leave through prompt_toolkit's own exit, which puts the terminal back
        out of raw mode (dying here left the user's shell without echo); elsewhere, unwind."""
        self._ending_signal = signum
        app = self.session.app
        loop = app.loop
        if app.is_running and loop is not None and not loop.is_closed():
            def leave() -> None:
                if app.future is not None and not app.future.done():
                    app.exit(exception=Terminated(signum))

            loop.call_soon_threadsafe(leave)  # wakes the loop, which is waiting in select()
            return
        raise Terminated(signum)

    @contextmanager
    def _ending_signals_handled(self) -> Iterator[None]:
        try:
            previous = {s: signal.signal(s, self._terminate) for s in ENDING_SIGNALS}
        except ValueError:  # not the main thread (tests): nothing to handle
            yield
            return
        try:
            yield
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)

    def run(self) -> int:
        """Prompt until the user leaves. Returns the exit status (0 when they leave, 128 + the
        signal on SIGTERM or SIGHUP)."""
        with self._ending_signals_handled():
            try:
                return self._loop()
            except Terminated as ended:
                return ended.status
            except OSError:
                # SIGHUP from a closed terminal: prompt_toolkit's last redraw, or our goodbye,
                # fails to write to it; the signal is the reason the session ends
                if self._ending_signal:
                    return 128 + self._ending_signal
                raise

    def _loop(self) -> int:
        self._drain_warnings()
        self.show(banner(self.state))
        failures = 0
        while True:
            try:
                line = self.session.prompt()
                failures = 0
            except EOFError:  # Ctrl-D on an empty line
                return 0
            except KeyboardInterrupt:  # Ctrl-C outside our binding (e.g. while starting)
                continue
            except Exception:  # noqa: BLE001 - e.g. a terminal that vanished; never a traceback
                if self._ending_signal:  # it vanished with a SIGHUP: leave, nothing to show
                    raise Terminated(self._ending_signal) from None
                failures += 1
                self.show(self._failure("reading your input"))
                if failures >= MAX_PROMPT_FAILURES:
                    return 1
                continue
            finally:
                self.state.hint = ""
            self._drain_warnings()
            try:
                result = self.handle(line)
            except KeyboardInterrupt:  # Ctrl-C while answering: drop that question
                result = message("(interrupted)", "class:dim")
            if result is not None:
                self.show(result)
                if result.quit:
                    return 0


def run_repl(bot: Bot, color: bool = True, explain: bool = False, debug: bool = False) -> int:
    """The interactive REPL on the terminal; returns the exit status."""
    repl = Repl(bot, color=color_wanted(color, sys.stdout.isatty()), explain=explain, debug=debug)
    return repl.run()
