"""The full command line parser (argparse): every command, `--help`, and the usage errors.

A warm `mlbot ask "..."` or piped `mlbot chat` never builds it: `bot.cli` reads those
command lines itself (`bot.cli.quick_args`), since importing argparse and building this tree
costs more (~5 ms, with the `shutil` and `locale` imports argparse makes) than answering
the question. Every other command line, and any the quick reader is not sure of, comes
here, so usage, help and error messages are argparse's, unchanged.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from . import __version__

EXIT_USAGE = 2

class _Parser(argparse.ArgumentParser):
    def _print_message(self, message: str, file: Any = None) -> None:
        # argparse's own ignores OSError, so `mlbot --help >/dev/full` exited 0 with the help
        # lost: write and flush here, and let `bot.cli.main` report a failure (exit 2)
        if message:
            stream = file or sys.stderr
            stream.write(message)
            stream.flush()

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



def parse_args(argv: list[str]) -> argparse.Namespace:
    """`argv` parsed, the shared options filled in with their defaults; a usage error, or
    --help and --version, exit as argparse does."""
    from .cli import SHARED_DEFAULTS

    args = build_parser().parse_args(argv)
    if args.command is None:
        args.command = "chat"
    for name, default in SHARED_DEFAULTS.items():
        if not hasattr(args, name):
            setattr(args, name, default)
    return args
