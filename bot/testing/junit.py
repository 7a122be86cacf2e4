"""JUnit XML for CI: one <testsuite> per test file, one <testcase> per conversation.

An invalid test file becomes a testsuite with one <testcase> holding an <error>, so a CI
dashboard shows it instead of silently counting nothing.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

from .check import ConversationResult
from .report import failure_report
from .spec import Problem, escape_controls

# what XML 1.0 cannot carry at all (not even as &#...;): most C0 controls, lone surrogates (from
# file names that were not UTF-8), U+FFFE and U+FFFF; any of them makes the file unreadable
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _clean(text: str) -> str:
    """User text (names, answers, questions) as XML 1.0 can carry it."""
    return _NOT_XML.sub("\ufffd", text)


def _path(path: str) -> str:
    """A file name as the reports show it: control characters escaped, as on the terminal."""
    return _clean(escape_controls(path))


def junit_tree(
    results: Sequence[ConversationResult],
    problems: Sequence[Problem],
    suite_name: str = "mlbot canned tests",
) -> ET.ElementTree:
    root = ET.Element("testsuites", name=suite_name)
    by_file: dict[str, list[ConversationResult]] = {}
    for result in results:
        by_file.setdefault(result.conversation.path, []).append(result)
    errors_by_file: dict[str, list[Problem]] = {}
    for problem in problems:
        errors_by_file.setdefault(problem.path, []).append(problem)
    totals = [0, 0, 0, 0.0]
    for path in list(by_file) + [p for p in errors_by_file if p not in by_file]:
        file_results = by_file.get(path, [])
        file_problems = errors_by_file.get(path, [])
        failures = sum(1 for r in file_results if not r.passed)
        seconds = sum(r.seconds for r in file_results)
        tests = len(file_results) + (1 if file_problems else 0)
        suite = ET.SubElement(
            root,
            "testsuite",
            name=_path(path),
            tests=str(tests),
            failures=str(failures),
            errors=str(1 if file_problems else 0),
            skipped="0",
            time=f"{seconds:.6f}",
        )
        classname = _path(Path(path).name)
        for r in file_results:
            case = ET.SubElement(
                suite,
                "testcase",
                classname=classname,
                name=_clean(r.conversation.name),
                file=_path(path),
                line=str(r.conversation.line),
                time=f"{r.seconds:.6f}",
            )
            if not r.passed:
                first = r.failed_turns[0][1].failures[0]
                failure = ET.SubElement(
                    case, "failure", message=_clean(first), type="CannedTestFailure"
                )
                failure.text = _clean(failure_report(r, indent=""))
        if file_problems:
            case = ET.SubElement(
                suite, "testcase", classname=classname, name="(invalid test file)", file=_path(path)
            )
            error = ET.SubElement(
                case, "error", message=_clean(str(file_problems[0])), type="InvalidTestFile"
            )
            error.text = _clean("\n".join(str(p) for p in file_problems))
        totals[0] += tests
        totals[1] += failures
        totals[2] += 1 if file_problems else 0
        totals[3] += seconds
    root.set("tests", str(totals[0]))
    root.set("failures", str(totals[1]))
    root.set("errors", str(totals[2]))
    root.set("time", f"{totals[3]:.6f}")
    return ET.ElementTree(root)


def write_junit(
    path: str, results: Sequence[ConversationResult], problems: Sequence[Problem]
) -> None:
    tree = junit_tree(results, problems)
    ET.indent(tree)
    tree.write(path, encoding="utf-8", xml_declaration=True)
