"""Command line: `mlbot [chat|ask|test|validate]`. A thin shell over `Bot.answer`.

Exit status: ask -> 0 answered, 1 not understood, 2 usage or knowledge-base error;
test -> 0 all pass, 1 any fail, 2 invalid test file; Ctrl-C -> 130.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, TextIO

from . import __version__

if TYPE_CHECKING:
    from .engine import Answer, Bot

EXIT_OK, EXIT_NOT_UNDERSTOOD, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--knowledge", metavar="DIR", help="knowledge base directory (default: $MLBOT_KNOWLEDGE, else the built-in notes)")
    parser.add_argument("--debug", action="store_true", help="show Python tracebacks on errors")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="mlbot", description="Answers questions about the notes on machine-learning job roles.")
    parser.add_argument("--version", action="version", version=f"mlbot {__version__}")
    _common(parser)
    parser.add_argument("--json", action="store_true", help="(chat) one JSON object per answer")
    parser.add_argument("--explain", action="store_true", help="(chat) say why after each answer")
    parser.add_argument("--no-color", action="store_true", help="(chat) no colour")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    chat = sub.add_parser("chat", help="talk to the bot (a REPL on a terminal; one question per line otherwise)")
    _common(chat)
    chat.add_argument("--json", action="store_true", help="print one JSON object per answer (JSON Lines)")
    chat.add_argument("--explain", action="store_true", help="after each answer say why (stderr with --json)")
    chat.add_argument("--no-color", action="store_true", help="no colour (also: NO_COLOR, or output not a terminal)")

    ask = sub.add_parser("ask", help="answer one question and exit")
    _common(ask)
    ask.add_argument("question", nargs="+", help="the question (quote it, or give it as several words)")
    ask.add_argument("--json", action="store_true", help="print the answer as one JSON object")
    ask.add_argument("--explain", action="store_true", help="after the answer say why (stderr with --json)")

    test = sub.add_parser("test", help="run canned question test files (YAML)")
    _common(test)
    test.add_argument("paths", nargs="*", metavar="FILE_OR_DIR", help="test files, or directories of *.yaml files")
    test.add_argument("-k", dest="pattern", metavar="PATTERN", help="only conversations whose name contains PATTERN")
    test.add_argument("--report", action="store_true", help="add a per-intent table and the most confused intents")
    test.add_argument("--junit-xml", metavar="PATH", help="also write JUnit XML to PATH")
    test.add_argument("--json", dest="json_out", metavar="PATH", nargs="?", const="-",
                      help="write machine-readable results to PATH (default: stdout)")
    test.add_argument("--record", metavar="QUESTIONS", help="write a test file from the bot's answers to the questions in QUESTIONS (one a line, blank line between conversations)")
    test.add_argument("-o", "--output", metavar="FILE", help="with --record: where to write (default: stdout)")

    validate = sub.add_parser("validate", help="check the knowledge base; name file and line of every problem")
    _common(validate)
    return parser


def load_bot(knowledge_dir: str | None) -> Bot:
    from .cache import load_cached
    from .engine import Bot

    return Bot(load_cached(knowledge_dir))


def _stdin_lines() -> Iterator[str]:
    """Lines of stdin, any bytes accepted: invalid UTF-8 is replaced, never fatal."""
    stream = sys.stdin.buffer if hasattr(sys.stdin, "buffer") else None
    if stream is None:
        yield from (line.rstrip("\n") for line in sys.stdin)
        return
    for raw in stream:
        yield raw.decode("utf-8", errors="replace").rstrip("\r\n")


def _emit(out: TextIO, text: str) -> None:
    out.write(text + "\n")
    out.flush()  # a consumer reading line by line must never wait for a buffer


def _print_answer(answer: Answer, as_json: bool, explain: bool) -> None:
    from .render import render_explanation, render_json, render_text

    _emit(sys.stdout, render_json(answer) if as_json else render_text(answer))
    if explain:
        _emit(sys.stderr if as_json else sys.stdout, render_explanation(answer))
    if as_json and answer.notice:
        _emit(sys.stderr, answer.notice)


def cmd_ask(args: argparse.Namespace) -> int:
    question = " ".join(args.question)
    bot = load_bot(args.knowledge)
    answer = bot.answer(question)
    _print_answer(answer, args.json, args.explain)
    return EXIT_OK if answer.understood else EXIT_NOT_UNDERSTOOD


def cmd_chat(args: argparse.Namespace) -> int:
    bot = load_bot(args.knowledge)
    if sys.stdin.isatty() and sys.stdout.isatty() and not args.json:
        from .repl.app import run_repl

        color = not (args.no_color or os.environ.get("NO_COLOR"))
        return run_repl(bot, color=color, explain=args.explain, debug=args.debug)
    context = None
    for line in _stdin_lines():
        answer = bot.answer(line, context)
        context = answer.context
        _print_answer(answer, args.json, args.explain)
        if not args.json:
            _emit(sys.stdout, "")
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    from .loader import check_knowledge, resolve_dir

    directory = resolve_dir(args.knowledge)
    knowledge, problems = check_knowledge(directory)
    for problem in problems:
        print(problem, file=sys.stderr if not problem.warning else sys.stdout)
    if knowledge is None:
        print(f"{len([p for p in problems if not p.warning])} problem(s) in {directory}", file=sys.stderr)
        return EXIT_USAGE
    from .engine import Bot

    Bot(knowledge)  # templates and vocabulary are checked when the engine is built
    facts = knowledge.facts
    warnings = len(problems)
    print(f"ok: {directory}: {len(facts.roles)} roles, {len(facts.skills)} skills, "
          f"{len(facts.levels)} levels, {len(knowledge.language.intents)} intents"
          + (f", {warnings} warning(s)" if warnings else ""))
    return EXIT_OK


def cmd_test(args: argparse.Namespace) -> int:
    from .testing.runner import run_cli

    return run_cli(args)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        args.command = "chat"
    for name in ("json", "explain", "no_color"):
        if not hasattr(args, name):
            setattr(args, name, False)
    handlers = {"chat": cmd_chat, "ask": cmd_ask, "test": cmd_test, "validate": cmd_validate}
    try:
        return handlers[args.command](args)
    except KeyboardInterrupt:
        print("", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # the reader went away (`mlbot chat | head`): stop quietly
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except OSError:
            pass
        return EXIT_OK
    except Exception as exc:  # noqa: BLE001 - the user sees a message, --debug the traceback
        from .loader import KnowledgeError

        if getattr(args, "debug", False):
            raise
        if isinstance(exc, KnowledgeError):
            for problem in exc.problems:
                print(problem, file=sys.stderr)
            print("mlbot: the knowledge base has problems (see above); `mlbot validate` lists them", file=sys.stderr)
            return EXIT_USAGE
        if isinstance(exc, UsageError):
            print(f"mlbot: {exc}", file=sys.stderr)
            return EXIT_USAGE
        print(f"mlbot: internal error: {type(exc).__name__}: {exc} (run with --debug for details)", file=sys.stderr)
        return EXIT_USAGE
