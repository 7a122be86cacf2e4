"""`mlbot test`: run canned question test files, or record one (`--record`).

Exit status: 0 all conversations pass, 1 any fails, 2 a test file is invalid (or nothing to
run). Problems go to stderr as `file:line: problem`; one line per conversation and the
closing `N passed, N failed` go to stdout (to stderr when `--json -` owns stdout).
Invalid files are reported all at once and not run; the valid ones still run, so one
broken file does not hide the state of the others.
"""

from __future__ import annotations

import argparse
import os
import stat
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from .check import ConversationResult, run_conversation
from .report import closing_line, conversation_line, failure_report, intent_report, results_json
from .spec import (
    Conversation,
    Known,
    Problem,
    escape_controls,
    find_files,
    known_from_knowledge,
    load_file,
)

if TYPE_CHECKING:
    from ..engine import Bot

EXIT_PASSED, EXIT_FAILED, EXIT_INVALID = 0, 1, 2


def _write(out: TextIO, text: str) -> None:
    """One piece of the report. Stdout that cannot be written is an error (`bot.cli.main` says
    so and exits non-zero); stderr that cannot be written (`2>/dev/full`) must not turn a
    result into a failure, so the line is dropped."""
    try:
        print(text, file=out)
    except OSError:
        if out is not sys.stderr:
            raise


def _say(text: str) -> None:
    """A one-line message on stderr; it may quote file names: their controls are escaped."""
    _write(sys.stderr, escape_controls(text))


def load_conversations(
    paths: Sequence[str], known: Known
) -> tuple[list[Conversation], list[Problem]]:
    files, problems = find_files(paths)
    conversations: list[Conversation] = []
    for path in files:
        test_file, file_problems = load_file(path, known, shown=str(path))
        problems += file_problems
        if test_file is not None:
            conversations += test_file.conversations
    return conversations, problems


def select(conversations: Sequence[Conversation], pattern: str | None) -> list[Conversation]:
    """-k: conversations whose name contains PATTERN, case-insensitive."""
    if not pattern:
        return list(conversations)
    needle = pattern.lower()
    return [c for c in conversations if needle in c.name.lower()]


def run_all(
    bot: Bot, conversations: Sequence[Conversation], out: TextIO
) -> list[ConversationResult]:
    from .pattern import Budget

    results = []
    budgets: dict[str, Budget] = {}  # one per test file, shared by its conversations
    for conversation in conversations:
        budget = budgets.setdefault(conversation.path, Budget(conversation.path))
        result = run_conversation(bot, conversation, budget)
        _write(out, conversation_line(result))
        if not result.passed:
            _write(out, failure_report(result))
        out.flush()
        results.append(result)
    return results


def _write_json(target: str, data: dict[str, object]) -> None:
    from ..render import dumps_json

    text = dumps_json(data, indent=2)
    if target == "-":
        sys.stdout.write(text + "\n")
    else:
        Path(target).write_text(text + "\n", encoding="utf-8")


def _report_targets(args: argparse.Namespace) -> list[tuple[str, str]]:
    """(option, path) of each report written to a file (`--json` alone writes to stdout)."""
    named = (("--junit-xml", args.junit_xml), ("--json-file", getattr(args, "json_out", None)))
    return [(option, target) for option, target in named if target and target != "-"]


def _identity(path: str | Path) -> tuple[int, int] | None:
    """(device, inode) of an existing file, through symlinks: the same for a hard link."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return st.st_dev, st.st_ino


def _special_kind(path: str) -> str | None:
    """What an existing `path` is when a report must not be written to it: a FIFO (opening
    it for writing waits for a reader, forever), a socket, a directory or a block device.
    A missing path, a regular file and a character device (/dev/null, a terminal) are fine."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return None
    for test, kind in ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISDIR, "a directory"), (stat.S_ISBLK, "a block device")):
        if test(mode):
            return kind
    return None


def output_clash(args: argparse.Namespace) -> str | None:
    """Why an output path would destroy input, or None: a report is never written to a
    .yaml path (test files are YAML, named or inside a directory being run), over a test file
    by any name (a symlink or a hard link), or over the other report."""
    targets = _report_targets(args)
    for option, target in targets:
        if Path(target).suffix.lower() in (".yaml", ".yml"):
            return f"{option} would write a report to a YAML file ({target}); name a .json or .xml file"
        kind = _special_kind(target)
        if kind:
            return f"{option} {target} is not a regular file ({kind}); name a file"
    if len(targets) == 2:
        (_, first), (_, second) = targets
        same = _identity(first)
        if Path(first).resolve() == Path(second).resolve() or (same and same == _identity(second)):
            return f"--junit-xml and --json-file name the same file ({first}); give each its own"
    files, _ = find_files(args.paths)
    inputs = {_identity(path) for path in files} - {None}
    for option, target in targets:
        if _identity(target) in inputs:
            return f"{option} would write over the test file {target}"
    return None


def _write_reports(
    args: argparse.Namespace, results: Sequence[ConversationResult], problems: Sequence[Problem]
) -> bool:
    """Write the --junit-xml and --json-file reports; False (and why, on stderr) if one failed."""
    written = True
    for option, target in _report_targets(args):
        try:
            if option == "--junit-xml":
                from .junit import write_junit

                write_junit(target, results, problems)
            else:
                _write_json(target, results_json(results, problems))
        except OSError as exc:
            # the error may come at the last flush, where it names no file: name it here
            _say(f"mlbot test: cannot write {option} {target}: {exc.strerror or exc}")
            written = False
    if getattr(args, "json_out", None) == "-":
        _write_json("-", results_json(results, problems))
    return written


def run_tests(args: argparse.Namespace) -> int:
    if not args.paths:
        _say("mlbot test: name at least one test file or directory (or use --record QUESTIONS)")
        return EXIT_INVALID
    clash = output_clash(args)
    if clash:
        _say(f"mlbot test: {clash}")
        return EXIT_INVALID
    from ..cli import load_bot

    bot = load_bot(args.knowledge)
    conversations, problems = load_conversations(args.paths, known_from_knowledge(bot.knowledge))
    json_target = getattr(args, "json_out", None)
    out = sys.stderr if json_target == "-" else sys.stdout
    for problem in problems:
        _say(str(problem))
    if problems:
        files = len({p.path for p in problems})
        _say(f"mlbot test: {len(problems)} problem(s) in {files} test file(s); those files were not run")
    selected = select(conversations, args.pattern)
    if conversations and not selected:
        _say(f"mlbot test: no conversation name contains {args.pattern!r}")
    results = run_all(bot, selected, out)
    if args.report:
        _write(out, intent_report(results))
    written = _write_reports(args, results, problems)
    _write(out, closing_line(results))
    out.flush()
    if problems or not selected or not written:
        return EXIT_INVALID  # nothing run must never look like a pass
    return EXIT_PASSED if all(r.passed for r in results) else EXIT_FAILED


def run_record(args: argparse.Namespace) -> int:
    from ..cli import load_bot
    from ..safeio import read_regular
    from .recording import dump_test_file, read_questions, record
    from .spec import parse_text

    source = Path(args.record)
    if args.output and Path(args.output).resolve() == source.resolve():
        _say(f"mlbot test: -o {args.output} would write over the questions")
        return EXIT_INVALID
    try:
        text = read_regular(source).decode("utf-8")  # no FIFO or /dev/zero: bot.safeio
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        _say(f"{args.record}: {reason}")
        return EXIT_INVALID
    questions = read_questions(text)
    if not questions:
        _say(f"{args.record}: no questions (one a line, a blank line between conversations)")
        return EXIT_INVALID
    if args.paths:
        _say("mlbot test: --record takes a questions file, not test files; ignoring " + " ".join(args.paths))
    bot = load_bot(args.knowledge)
    recorded = record(bot, questions)
    header = (
        f"Recorded by `mlbot test --record {args.record}` from the bot's answers.\n"
        "Review every turn before committing: the bot's answer is in the comment above it."
    )
    document = dump_test_file(recorded, header)
    # the golden file must run as written; a problem here is a bug in recording, not user input
    _, problems = parse_text(
        document, args.output or "<recorded>", known_from_knowledge(bot.knowledge)
    )
    if problems:
        for problem in problems:
            _say(str(problem))
        return EXIT_INVALID
    if args.output:
        if Path(args.output).exists():
            # a recorded file is reviewed by hand before it is committed: never replace one
            _say(f"mlbot test: {args.output} already exists; remove it or choose another name")
            return EXIT_INVALID
        try:
            Path(args.output).write_text(document, encoding="utf-8")
        except OSError as exc:
            _say(f"mlbot test: cannot write {args.output}: {exc.strerror}")
            return EXIT_INVALID
        turns = sum(len(answers) for _, answers in recorded)
        _say(f"recorded {len(recorded)} conversation(s), {turns} turn(s) to {args.output}; "
             f"review it, then run `mlbot test {args.output}`")
    else:
        sys.stdout.write(document)
    return EXIT_PASSED


def run_cli(args: argparse.Namespace) -> int:
    if getattr(args, "record", None):
        return run_record(args)
    return run_tests(args)
