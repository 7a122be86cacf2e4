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

import argparse  # noqa: E402 - after the guard above, on purpose
import errno  # noqa: E402
import sys  # noqa: E402
from collections.abc import Iterator, Sequence  # noqa: E402
from dataclasses import replace  # noqa: E402
from typing import TYPE_CHECKING, BinaryIO, TextIO  # noqa: E402

from . import __version__  # noqa: E402

if TYPE_CHECKING:
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


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        try:
            self.print_usage(sys.stderr)
            print(f"{self.prog}: error: {message}", file=sys.stderr)
        except OSError:  # stderr cannot be written: the status still says it
            pass
        raise SystemExit(EXIT_USAGE)


class _CommandParser(_Parser):
    """A subcommand's parser. argparse hands a subcommand's unknown options back to the main
    parser, whose error shows `mlbot`'s usage; `mlbot ask --foo x` should show `ask`'s."""

    def parse_known_args(self, args=None, namespace=None):  # type: ignore[no-untyped-def]
        namespace, extras = super().parse_known_args(args, namespace)
        if extras:
            self.error(f"unrecognized arguments: {' '.join(extras)}")
        return namespace, extras


# Options accepted both before and after the subcommand, with their defaults. A subcommand
# declares them with default=SUPPRESS: otherwise its default would overwrite a value given
# before the subcommand (`mlbot --knowledge DIR validate` silently used the built-in notes).
_SHARED_DEFAULTS: dict[str, object] = {
    "knowledge": None, "debug": False, "json": False, "explain": False, "no_color": False,
}


def _path_arg(text: str) -> str:
    """A file or directory argument: an empty one (`--knowledge ""`, an unset variable in a
    script) is a usage error, not silently the default or the current directory."""
    if not text:
        raise argparse.ArgumentTypeError("must not be empty")
    return text


def _common(parser: argparse.ArgumentParser, sub: bool = True) -> None:
    default = argparse.SUPPRESS if sub else None
    flag_default = argparse.SUPPRESS if sub else False
    parser.add_argument(
        "--knowledge", metavar="DIR", default=default, type=_path_arg,
        help="knowledge base directory (default: $MLBOT_KNOWLEDGE, else the built-in notes)")
    parser.add_argument("--debug", action="store_true", default=flag_default,
                        help="show Python tracebacks on errors")
    if sub:
        parser.add_argument("--version", action="version", version=f"mlbot {__version__}")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="mlbot",
        description="Answers questions about the notes of its knowledge base.",
        epilog="Accepted input, limits and exit codes: docs/input.md")
    parser.add_argument("--version", action="version", version=f"mlbot {__version__}")
    _common(parser, sub=False)
    parser.add_argument("--json", action="store_true", help="(chat) one JSON object per answer")
    parser.add_argument("--explain", action="store_true", help="(chat) say why after each answer")
    parser.add_argument("--no-color", action="store_true", help="(chat) no colour")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_CommandParser)
    s = argparse.SUPPRESS

    chat = sub.add_parser(
        "chat", help="talk to the bot (a REPL on a terminal; one question per line otherwise)")
    _common(chat)
    chat.add_argument("--json", action="store_true", default=s,
                      help="print one JSON object per answer (JSON Lines)")
    chat.add_argument("--explain", action="store_true", default=s,
                      help="after each answer say why (stderr with --json)")
    chat.add_argument("--no-color", action="store_true", default=s,
                      help="no colour (also: NO_COLOR, or output not a terminal)")

    ask = sub.add_parser("ask", help="answer one question and exit")
    _common(ask)
    ask.add_argument("question", nargs="+",
                     help="the question (quote it, or give it as several words); "
                          "- reads one question a line from stdin, each answered on its own")
    ask.add_argument("--json", action="store_true", default=s,
                     help="print the answer as one JSON object")
    ask.add_argument("--explain", action="store_true", default=s,
                     help="after the answer say why (stderr with --json)")

    test = sub.add_parser("test", help="run canned question test files (YAML)")
    _common(test)
    test.add_argument("paths", nargs="*", metavar="FILE_OR_DIR", type=_path_arg,
                      help="test files, or directories of *.yaml files")
    test.add_argument("-k", dest="pattern", metavar="PATTERN",
                      help="only conversations whose name contains PATTERN")
    test.add_argument("--report", action="store_true",
                      help="add a per-intent table and the most confused intents")
    test.add_argument("--junit-xml", metavar="PATH", type=_path_arg, help="also write JUnit XML to PATH")
    # --json is a plain flag (a PATH after it would be read as a test file), --json-file names a file
    json_out = test.add_mutually_exclusive_group()
    json_out.add_argument("--json", dest="json_out", action="store_const", const="-",
                          help="print machine-readable results on stdout (the report moves to stderr)")
    json_out.add_argument("--json-file", dest="json_out", metavar="PATH", type=_path_arg,
                          help="write machine-readable results to PATH")
    test.add_argument("--record", metavar="QUESTIONS", type=_path_arg,
                      help="write a test file from the bot's answers to the questions in "
                           "QUESTIONS (one a line, blank line between conversations)")
    test.add_argument("-o", "--output", metavar="FILE", type=_path_arg,
                      help="with --record: where to write (default: stdout)")

    validate = sub.add_parser(
        "validate", help="check the knowledge base; name file and line of every problem")
    _common(validate)
    return parser


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


def cmd_ask(args: argparse.Namespace) -> int:
    bot = load_bot(args.knowledge)
    if args.question == ["-"]:
        # `ask -`: every line of stdin a question of its own, no context between them
        status = _answer_lines(bot, args, keep_context=False)
        return status
    question = _from_argv(" ".join(args.question))
    answer = answer_question(bot, question, conversational=False)
    _print_answer(answer, args.json, args.explain)
    return EXIT_OK if answer.understood else EXIT_NOT_UNDERSTOOD


def cmd_chat(args: argparse.Namespace) -> int:
    bot = load_bot(args.knowledge)
    stdin, stdout = sys.stdin, sys.stdout
    interactive = stdin is not None and stdout is not None and stdin.isatty() and stdout.isatty()
    if interactive and not args.json:
        from .repl.app import run_repl

        color = not (args.no_color or os.environ.get("NO_COLOR"))
        return run_repl(bot, color=color, explain=args.explain, debug=args.debug)
    return _answer_lines(bot, args, keep_context=True)


def _answer_lines(bot: Bot, args: argparse.Namespace, keep_context: bool) -> int:
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
            answer = replace(answer, notice=LINE_CUT_NOTICE)
        if keep_context:
            context = answer.context
        more = _more_input_waiting()  # the next question is here already: write both at once
        _print_answer(answer, args.json, args.explain, flush=not more or args.explain)
        if not args.json:
            _emit(sys.stdout, "", flush=not more)
    return status


def cmd_validate(args: argparse.Namespace) -> int:
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


def cmd_test(args: argparse.Namespace) -> int:
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
    args: argparse.Namespace | None = None
    try:
        _sanitize_stdout()
        _setup_streams()
        argv = list(sys.argv[1:] if argv is None else argv)
        args = build_parser().parse_args(argv)
        if args.command is None:
            args.command = "chat"
        for name, default in _SHARED_DEFAULTS.items():
            if not hasattr(args, name):
                setattr(args, name, default)
        handlers = {"chat": cmd_chat, "ask": cmd_ask, "test": cmd_test, "validate": cmd_validate}
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
