"""Command line: `mlbot [chat|ask|test|validate]`. A thin shell over `Bot.answer`.

Exit status: ask -> 0 answered, 1 not understood, 2 usage or knowledge-base error (and an
internal error, which is a bug); test -> 0 all pass, 1 any fail, 2 invalid test file;
Ctrl-C -> 130; output closed by its reader (`| head`) -> 141, silently; output that cannot
be written (closed, `>/dev/full`) -> 2, with one line on stderr, as coreutils and git do.
What input is accepted and its limits: docs/input.md.
"""

from __future__ import annotations

import os
import signal


def _interrupted_while_loading(signum: int, frame: object) -> None:
    """Ctrl-C before `main` is ready for it: leave as `main` would, without a traceback."""
    try:
        os.write(2, b"\n")
    except OSError:
        pass
    os._exit(130)


# Installed first, before the imports below, which are most of a start-up that Ctrl-C can
# hit; restored at the end of this module, so that importing it (tests) changes nothing.
_GUARDED = True
try:
    _SIGINT_BEFORE = signal.signal(signal.SIGINT, _interrupted_while_loading)
except ValueError:  # imported outside the main thread: no signals here to guard
    _GUARDED = False

import errno  # noqa: E402 - after the guard above, on purpose
import sys  # noqa: E402

# Only what every command needs is imported here; a command imports the rest itself. Even
# `typing` (~1.5 ms) is left to the type checker, which reads any `TYPE_CHECKING` as true.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable, Iterator, Sequence
    from typing import Any, BinaryIO, TextIO

    from .engine import Answer, Bot
    from .understanding.context import Context

EXIT_OK, EXIT_NOT_UNDERSTOOD, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE
EXIT_OUTPUT = 2  # stdout cannot be written: an error like a usage error, never a quiet success

# A line of stdin longer than this is cut before decoding, so that a line without end
# (`mlbot chat < /dev/zero`) cannot eat all memory; the rest of the line is skipped. It is
# far above what the engine keeps (bot.normalise.MAX_QUESTION_CHARS characters).
MAX_LINE_BYTES = 64 * 1024

LINE_CUT_NOTICE = f"(Your line was cut: mlbot reads at most {MAX_LINE_BYTES} bytes of a line.)"


class UsageError(Exception):
    pass


# --- the command line -------------------------------------------------------------------

# Options accepted both before and after the subcommand, with their defaults. A subcommand
# declares them with default=SUPPRESS (bot.cli_parser): otherwise its default would overwrite
# a value given before the subcommand (`mlbot --knowledge DIR validate` silently used the
# built-in notes).
SHARED_DEFAULTS: dict[str, object] = {
    "knowledge": None, "debug": False, "json": False, "explain": False, "no_color": False,
}

# The flags each command takes (besides --knowledge DIR), by their option strings; "" is
# the options before any command.
_QUICK_FLAGS: dict[str, dict[str, str]] = {
    "": {"--debug": "debug", "--json": "json", "--explain": "explain", "--no-color": "no_color"},
    "chat": {"--debug": "debug", "--json": "json", "--explain": "explain", "--no-color": "no_color"},
    "ask": {"--debug": "debug", "--json": "json", "--explain": "explain"},
}


class Args:
    """A parsed command line: the attributes argparse's Namespace would have."""

    def __init__(self, **values: object) -> None:
        self.__dict__.update(values)

    def __repr__(self) -> str:
        return f"Args({self.__dict__!r})"

    if TYPE_CHECKING:  # as typeshed types argparse.Namespace
        def __getattr__(self, name: str) -> Any: ...


def quick_args(argv: list[str]) -> Args | None:
    """The command line of `ask` or `chat` in its plain shapes, read without argparse, or
    None for anything else, which argparse then reads (bot.cli_parser).

    Plain: the options first (the shared ones before the command, the command's own after
    it, `--knowledge DIR` or `--knowledge=DIR` with a non-empty DIR that is no option), then,
    for `ask`, the question's words, none of them starting with "-" (or the question
    is `-` alone). Anything else (another command, --help, an abbreviation, an option among
    the words, `--`, a missing value) goes to argparse, which has the final word on it: the
    result, the usage message and the exit status stay argparse's own. tests/test_cli.py
    checks that both agree."""
    values = dict(SHARED_DEFAULTS)
    command = ""
    words: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if not arg.startswith("-") or arg == "-":
            if command == "ask":  # the question: the rest
                words = argv[i:]
                if any(w.startswith("-") for w in words) and words != ["-"]:
                    return None
                break
            if command or arg not in ("ask", "chat"):
                return None
            command = arg
        elif arg in _QUICK_FLAGS[command]:
            values[_QUICK_FLAGS[command][arg]] = True
        elif arg == "--knowledge" or arg.startswith("--knowledge="):
            value = arg[len("--knowledge="):] if "=" in arg else (argv[i + 1] if i + 1 < len(argv) else "")
            if not value or (value.startswith("-") and "=" not in arg):
                return None
            values["knowledge"] = value
            i += "=" not in arg
        else:
            return None
        i += 1
    if command == "ask":
        if not words:
            return None
        values["question"] = words
    values["command"] = command or "chat"
    return Args(**values)


def parse_args(argv: list[str]) -> Args | argparse.Namespace:
    """The command line: read quickly when it is a plain `ask` or `chat`, else by argparse."""
    args = quick_args(argv)
    if args is not None:
        return args
    from .cli_parser import parse_args as full_parse

    return full_parse(argv)


def build_parser() -> argparse.ArgumentParser:
    """The full argparse parser (bot.cli_parser)."""
    from .cli_parser import build_parser as full_parser

    return full_parser()


def load_bot(knowledge_dir: str | None) -> Bot:
    from . import cache

    # the start-up cache can hold a built Bot; older versions of it held only the knowledge
    cached_bot = getattr(cache, "load_bot", None)
    if cached_bot is not None:
        bot: Bot = cached_bot(knowledge_dir)
        return bot
    from .engine import Bot

    return Bot(cache.load_cached(knowledge_dir))


# --- input ------------------------------------------------------------------------------

def _read_lines(stream: BinaryIO, limit: int = MAX_LINE_BYTES) -> Iterator[tuple[str, bool]]:
    """(line, was_cut) for each line of a byte stream: any bytes are accepted (invalid UTF-8
    becomes U+FFFD), a line longer than `limit` bytes is cut and the rest of it skipped."""
    while True:
        raw = stream.readline(limit)
        if not raw:
            return
        cut = False
        if not raw.endswith(b"\n") and len(raw) >= limit:
            while True:  # skip to the end of the line, a bounded piece at a time
                rest = stream.readline(limit)
                cut = cut or bool(rest.rstrip(b"\r\n"))
                if not rest or rest.endswith(b"\n"):
                    break
        text = raw.decode("utf-8", errors="replace")
        yield text.rstrip("\n").removesuffix("\r"), cut


class _FdReader:
    """A byte reader over a file descriptor that knows whether a whole line is already
    waiting, so that answers to a burst of piped questions are written in one go, and an
    answer is flushed the moment the next question has not arrived yet."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buffer = bytearray()
        self.eof = False

    def has_line(self) -> bool:
        return b"\n" in self.buffer

    def readline(self, limit: int = -1) -> bytes:
        while not self.eof and b"\n" not in self.buffer and (limit < 0 or len(self.buffer) < limit):
            chunk = os.read(self.fd, 1 << 16)
            if not chunk:
                self.eof = True
            self.buffer += chunk
        end = self.buffer.find(b"\n") + 1 or len(self.buffer)
        if limit >= 0:
            end = min(end, limit)
        line = bytes(self.buffer[:end])
        del self.buffer[:end]
        return line


_STDIN_READER: _FdReader | None = None


def _more_input_waiting() -> bool:
    return _STDIN_READER is not None and _STDIN_READER.has_line()


def _stdin_lines() -> Iterator[tuple[str, bool]]:
    """Lines of stdin as `_read_lines` gives them; no stdin at all (closed) is no lines."""
    global _STDIN_READER
    stdin = sys.stdin
    if stdin is None:
        return
    stream = getattr(stdin, "buffer", None)
    try:
        if stream is None:  # a text-only replacement (tests): no bytes to decode
            for line in stdin:
                yield line.rstrip("\n").removesuffix("\r"), False
            return
        try:
            # read the descriptor directly: nothing has read stdin yet, so Python's own
            # buffer is empty and no byte is skipped
            fd = stream.fileno()
        except (AttributeError, OSError, ValueError):
            fd = -1
        if fd >= 0:
            _STDIN_READER = _FdReader(fd)
            yield from _read_lines(_STDIN_READER)  # type: ignore[arg-type]
        else:
            yield from _read_lines(stream)
    except OSError as exc:  # `mlbot chat < some/directory`
        raise UsageError(f"cannot read standard input: {exc.strerror or exc}") from None


# --- answering --------------------------------------------------------------------------

def answer_question(bot: Bot, question: str, context: Context | None = None,
                    conversational: bool = True) -> Answer:
    """`bot.answer` (which also answers a blank question, leaving the context as it was).
    `conversational` is False for `ask`: no next question follows, so no answer invites one."""
    return bot.answer(question, context, conversational=conversational)


def _fallback_answer(question: str, context: Context | None) -> Answer:
    """What chat prints for a line the engine failed on, so that every line still gets
    exactly one answer and the conversation goes on."""
    from .engine import Answer
    from .understanding.context import Context
    from .understanding.normalise import clean_text

    try:
        shown = clean_text(question)[0]
    except Exception:  # noqa: BLE001 - the cleaner itself failed: echo nothing
        shown = ""
    return Answer(question=shown, intent="out_of_scope", confidence=0.0, roles=(), skills=(),
                  level=None, text="Sorry, something went wrong answering that. Please rephrase.",
                  sources=(), suggestions=(), context=context or Context(), understood=False)


# --- output -----------------------------------------------------------------------------

def _setup_streams() -> None:
    """Never fail on an unencodable character: a terminal or pipe that is not UTF-8
    (PYTHONIOENCODING=ascii, a latin-1 locale) gets '?' instead of a traceback."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="replace")
            except (ValueError, OSError):
                pass


class _ClosedStdout:
    """sys.stdout when fd 1 was closed before we started (`mlbot ask x >&-`): Python then sets
    sys.stdout to None and print() drops everything. Writing is an error here instead, as it is
    for `cat` or `git`; `main` reports it. Nothing is buffered, so flushing never fails."""

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, "standard output is closed")

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


def _sanitize_stdout() -> None:
    """Keep fd 1 taken (by /dev/null, as git does) so that no file the program opens becomes
    its stdout, and make writing to a closed stdout fail loudly."""
    if sys.stdout is not None:
        return
    try:
        fd = os.open(os.devnull, os.O_WRONLY)
        if fd != 1:
            os.close(fd)
    except OSError:
        pass
    sys.stdout = _ClosedStdout()  # type: ignore[assignment]


def _emit(out: TextIO | None, text: str, flush: bool = True) -> None:
    if out is None:  # stderr closed: there is nowhere to say anything
        return
    out.write(text + "\n")
    if flush:  # a consumer reading line by line must never wait for a buffer
        out.flush()


def _say(text: str) -> None:
    """One message line on stderr, cleaned: it may quote file names or YAML content. A stderr
    that cannot be written (`2>/dev/full`) loses the message but changes no exit status."""
    from .understanding.normalise import clean_line

    try:
        _emit(sys.stderr, clean_line(text))
    except OSError:
        pass


def _print_answer(answer: Answer, as_json: bool, explain: bool, flush: bool = True) -> None:
    from .render import render_explanation, render_json, render_text

    _emit(sys.stdout, render_json(answer) if as_json else render_text(answer), flush)
    if explain:
        _emit(sys.stderr if as_json else sys.stdout, render_explanation(answer))
    if as_json and answer.notice:
        _say(answer.notice)


# --- commands ---------------------------------------------------------------------------

def _from_argv(text: str) -> str:
    """Python keeps argv bytes that are not UTF-8 as lone surrogates; read them as stdin's
    are read, as U+FFFD."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def cmd_ask(args: Args | argparse.Namespace) -> int:
    bot = load_bot(args.knowledge)
    if args.question == ["-"]:
        # `ask -`: every line of stdin a question of its own, no context between them
        status = _answer_lines(bot, args, keep_context=False)
        return status
    question = _from_argv(" ".join(args.question))
    answer = answer_question(bot, question, conversational=False)
    _print_answer(answer, args.json, args.explain)
    return EXIT_OK if answer.understood else EXIT_NOT_UNDERSTOOD


def cmd_chat(args: Args | argparse.Namespace) -> int:
    bot = load_bot(args.knowledge)
    stdin, stdout = sys.stdin, sys.stdout
    interactive = stdin is not None and stdout is not None and stdin.isatty() and stdout.isatty()
    if interactive and not args.json:
        from .repl.app import run_repl

        color = not (args.no_color or os.environ.get("NO_COLOR"))
        return run_repl(bot, color=color, explain=args.explain, debug=args.debug)
    return _answer_lines(bot, args, keep_context=True)


def _answer_lines(bot: Bot, args: Args | argparse.Namespace, keep_context: bool) -> int:
    """One answer per line of stdin, in order (piped chat keeps the conversation's context,
    `ask -` answers each line on its own). 2 when a line could not be answered."""
    context = None
    status = EXIT_OK
    for number, (line, cut) in enumerate(_stdin_lines(), start=1):
        try:
            answer = answer_question(bot, line, context, conversational=keep_context)
        except Exception as exc:  # noqa: BLE001 - one bad line must not lose the others
            if args.debug:
                raise
            _say(f"mlbot: internal error on line {number}: {type(exc).__name__}: {exc} "
                 "(run with --debug for details)")
            answer = _fallback_answer(line, context)
            status = EXIT_USAGE
        if cut and not answer.notice:
            from .records import replace

            answer = replace(answer, notice=LINE_CUT_NOTICE)
        if keep_context:
            context = answer.context
        more = _more_input_waiting()  # the next question is here already: write both at once
        _print_answer(answer, args.json, args.explain, flush=not more or args.explain)
        if not args.json:
            _emit(sys.stdout, "", flush=not more)
    return status


def cmd_validate(args: Args | argparse.Namespace) -> int:
    from .loader import check_knowledge, resolve_dir

    directory = resolve_dir(args.knowledge)
    knowledge, problems = check_knowledge(directory)
    for problem in problems:
        if problem.warning:
            _emit(sys.stdout, str(problem))
        else:
            _say(str(problem))
    if knowledge is None:
        _say(f"{len([p for p in problems if not p.warning])} problem(s) in {directory}")
        return EXIT_USAGE
    from .engine import Bot

    Bot(knowledge)  # whatever the engine checks when it is built is checked too
    facts = knowledge.facts
    warnings = len(problems)
    _emit(sys.stdout, f"ok: {directory}: {len(facts.roles)} roles, {len(facts.skills)} skills, "
          f"{len(facts.levels)} levels, {len(knowledge.language.intents)} intents"
          + (f", {warnings} warning(s)" if warnings else ""))
    return EXIT_OK


def cmd_test(args: argparse.Namespace) -> int:  # only argparse reads `test`
    from .testing.runner import run_cli

    return run_cli(args)


def _quiet_stdout() -> None:
    """Point stdout at /dev/null so that the interpreter's last flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, AttributeError, ValueError):
        pass


def main(argv: Sequence[str] | None = None) -> int:
    args: Args | argparse.Namespace | None = None
    try:
        _sanitize_stdout()
        _setup_streams()
        argv = list(sys.argv[1:] if argv is None else argv)
        args = parse_args(argv)
        handlers: dict[str, Callable[[Any], int]] = {
            "chat": cmd_chat, "ask": cmd_ask, "test": cmd_test, "validate": cmd_validate}
        status = handlers[args.command](args)
        sys.stdout.flush()  # a write error must come now, not as Python's exit-time complaint
        return status
    except KeyboardInterrupt:
        # Ctrl-C is the user's wish, not an error: no traceback, end the prompt's line
        try:
            _emit(sys.stderr, "")
        except OSError:
            pass
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # the reader went away (`mlbot chat | head`): stop quietly, with the status of a
        # program killed by SIGPIPE, as `cat` would have (0 would hide a failed validate)
        _quiet_stdout()
        return EXIT_BROKEN_PIPE
    except Exception as exc:  # noqa: BLE001 - the user sees a message, --debug the traceback
        from .loader import KnowledgeError

        if args is not None and getattr(args, "debug", False):
            raise
        if isinstance(exc, OSError) and exc.filename is None:
            # a failed write to stdout (closed, a full disk, /dev/full): files are opened by
            # name, so their errors carry one, and stdin's errors became UsageError
            _quiet_stdout()
            _say(f"mlbot: cannot write standard output: {exc.strerror or exc}")
            return EXIT_OUTPUT
        if isinstance(exc, KnowledgeError):
            for problem in exc.problems:
                _say(str(problem))
            _say("mlbot: the knowledge base has problems (see above); `mlbot validate` lists them")
            return EXIT_USAGE
        if isinstance(exc, UsageError):
            _say(f"mlbot: {exc}")
            return EXIT_USAGE
        _say(f"mlbot: internal error: {type(exc).__name__}: {exc} (run with --debug for details)")
        return EXIT_USAGE


if _GUARDED:  # a handler set outside Python (None) cannot be put back: use Python's own
    signal.signal(signal.SIGINT, _SIGINT_BEFORE if _SIGINT_BEFORE is not None else signal.default_int_handler)
