"""`mlbot test`: run canned question test files, or record one (`--record`).

Exit status: 0 all conversations pass, 1 any fails, 2 a test file is invalid (or nothing to
run). Problems go to stderr as `file:line: problem`; one line per conversation and the
closing `N passed, N failed` go to stdout (to stderr when `--json -` owns stdout).
Invalid files are reported all at once and not run; the valid ones still run, so one
broken file does not hide the state of the others.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from .check import ConversationResult, run_conversation
from .report import closing_line, conversation_line, failure_report, intent_report, results_json
from .spec import Conversation, Known, Problem, find_files, known_from_knowledge, load_file

if TYPE_CHECKING:
    from ..engine import Bot

EXIT_PASSED, EXIT_FAILED, EXIT_INVALID = 0, 1, 2


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
    results = []
    for conversation in conversations:
        result = run_conversation(bot, conversation)
        print(conversation_line(result), file=out)
        if not result.passed:
            print(failure_report(result), file=out)
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


def output_clash(args: argparse.Namespace) -> str | None:
    """Why an output path would destroy input, or None: a report is never written to a
    .yaml path (test files are YAML, named or inside a directory being run) or over a file
    named as input."""
    json_target = getattr(args, "json_out", None)
    for option, target in (("--json-file", json_target), ("--junit-xml", args.junit_xml)):
        if target and target != "-" and Path(target).suffix in (".yaml", ".yml"):
            return f"{option} would write a report to a YAML file ({target}); name a .json or .xml file"
    inputs = {Path(p).resolve() for p in args.paths if Path(p).is_file()}
    for option, target in (("--json-file", json_target), ("--junit-xml", args.junit_xml)):
        if target and target != "-" and Path(target).resolve() in inputs:
            return f"{option} would write over the test file {target}"
    return None


def run_tests(args: argparse.Namespace) -> int:
    if not args.paths:
        print(
            "mlbot test: name at least one test file or directory (or use --record QUESTIONS)",
            file=sys.stderr,
        )
        return EXIT_INVALID
    clash = output_clash(args)
    if clash:
        print(f"mlbot test: {clash}", file=sys.stderr)
        return EXIT_INVALID
    from ..cli import load_bot

    bot = load_bot(args.knowledge)
    conversations, problems = load_conversations(args.paths, known_from_knowledge(bot.knowledge))
    json_target = getattr(args, "json_out", None)
    out = sys.stderr if json_target == "-" else sys.stdout
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        files = len({p.path for p in problems})
        print(
            f"mlbot test: {len(problems)} problem(s) in {files} test file(s); "
            "those files were not run",
            file=sys.stderr,
        )
    selected = select(conversations, args.pattern)
    if conversations and not selected:
        print(f"mlbot test: no conversation name contains {args.pattern!r}", file=sys.stderr)
    results = run_all(bot, selected, out)
    if args.report:
        print(intent_report(results), file=out)
    written = True
    try:
        if args.junit_xml:
            from .junit import write_junit

            write_junit(args.junit_xml, results, problems)
        if json_target:
            _write_json(json_target, results_json(results, problems))
    except OSError as exc:
        print(f"mlbot test: cannot write {exc.filename}: {exc.strerror}", file=sys.stderr)
        written = False
    print(closing_line(results), file=out)
    out.flush()
    if problems or not selected or not written:
        return EXIT_INVALID  # nothing run must never look like a pass
    return EXIT_PASSED if all(r.passed for r in results) else EXIT_FAILED


def run_record(args: argparse.Namespace) -> int:
    from ..cli import load_bot
    from .recording import dump_test_file, read_questions, record
    from .spec import parse_text

    source = Path(args.record)
    if args.output and Path(args.output).resolve() == source.resolve():
        print(f"mlbot test: -o {args.output} would write over the questions", file=sys.stderr)
        return EXIT_INVALID
    try:
        text = source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        print(f"{args.record}: {reason}", file=sys.stderr)
        return EXIT_INVALID
    questions = read_questions(text)
    if not questions:
        print(
            f"{args.record}: no questions (one a line, a blank line between conversations)",
            file=sys.stderr,
        )
        return EXIT_INVALID
    if args.paths:
        print(
            "mlbot test: --record takes a questions file, not test files; ignoring "
            + " ".join(args.paths),
            file=sys.stderr,
        )
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
            print(problem, file=sys.stderr)
        return EXIT_INVALID
    if args.output:
        if Path(args.output).exists():
            # a recorded file is reviewed by hand before it is committed: never replace one
            print(f"mlbot test: {args.output} already exists; remove it or choose another name",
                  file=sys.stderr)
            return EXIT_INVALID
        try:
            Path(args.output).write_text(document, encoding="utf-8")
        except OSError as exc:
            print(f"mlbot test: cannot write {args.output}: {exc.strerror}", file=sys.stderr)
            return EXIT_INVALID
        turns = sum(len(answers) for _, answers in recorded)
        print(
            f"recorded {len(recorded)} conversation(s), {turns} turn(s) to {args.output}; "
            "review it, then run `mlbot test " + args.output + "`",
            file=sys.stderr,
        )
    else:
        sys.stdout.write(document)
    return EXIT_PASSED


def run_cli(args: argparse.Namespace) -> int:
    if getattr(args, "record", None):
        return run_record(args)
    return run_tests(args)
