"""Findings N2-N11 of the hostile review after issue 15 (/work/reviews/hostile.md): bounds
on what someone else's test file or knowledge base can make mlbot compute, and outputs that
must not hang or pass line separators."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from bot.testing import pattern
from bot.testing.spec import Known, parse_text
from bot.yamlsource import YamlError

pytest_plugins = ["pytester"]

KNOWN = Known(intents=("greeting",), roles=(), levels=(), skills=())


def one_turn_file(turn: str) -> str:
    return f"conversations:\n  - name: c\n    turns:\n      - ask: hello\n        {turn}\n"


# --- N2: compiling a pattern is bounded --------------------------------------------------

@pytest.mark.parametrize("bad, why", [
    # each of these compiles in a fraction of a second but is over a limit; the review's
    # (?:x{3000}){3000} (2.4 GB) is refused by the same rules before regex sees it
    ("(?:x{3000}){3000}", "repeat count too big: 3,000 (at most 1,000"),
    ("x{1001}", "repeat count too big: 1,001"),
    ("(?:x{400}){400}", "expand it to more than 100,000"),
    ("(?:(?:x{50}){50}){50}", "expand it to more than 100,000"),
    ("(?:a|b{1000}){200}", "expand it to more than 100,000"),
    ("x" * 5001, "5,001 characters long (at most 5,000)"),
    ("a{" + "9" * 5000 + "}", "characters long"),
    ("a{" + "9" * 4000 + "}", "repeat count too big: a number of over 8 digits"),
])
def test_a_pattern_that_would_expand_too_much_is_a_file_line_problem(bad: str, why: str) -> None:
    started = time.monotonic()
    test_file, problems = parse_text(one_turn_file(f"answer_matches: '{bad}'"), "t.yaml", KNOWN)
    assert time.monotonic() - started < 5
    assert test_file is None
    (problem,) = [str(p) for p in problems]
    assert problem.startswith("t.yaml:5: answer_matches of turn 1 of conversation 'c' is not a valid "
                              "regular expression: ") and why in problem, problem


@pytest.mark.parametrize("good", [
    r"\b(no|not)\b", "(?:x{300}){300}", "x{1000}", ".{0,1000}", r"[{]{5}", r"\p{L}{3}",
    "a{1000,}", "(?:ab){1000}", "x" * 5000, "a{e<=1}", "(?#{99999}) comment",
])
def test_ordinary_patterns_are_within_the_limits(good: str) -> None:
    pattern.check_size(good)
    pattern.compile_pattern(good)


# --- N3: aliases are bounded in characters, not only in values --------------------------

def test_a_large_scalar_aliased_many_times_is_a_line_problem(tmp_path: Path) -> None:
    from test_cache_security import must_finish
    from test_knowledge_errors import copy_knowledge

    from bot.loader import check_knowledge

    kb = copy_knowledge(tmp_path)
    answers = kb / "language" / "answers.yaml"
    big = " ".join(f"wo{i}rd" for i in range(2000))  # one 20 KB scalar, aliased 1,000 times:
    text = (f"refusals:\n  salary:\n    phrases:\n      - &s \"{big}\"\n"  # 20 MB of text
            + "      - *s\n" * 1000)
    answers.write_text(text, encoding="utf-8")
    with must_finish(20):
        knowledge, problems = check_knowledge(kb)
    assert knowledge is None
    shown = [str(p) for p in problems]
    assert f"{answers}:4: aliases expand this to more than 1,000,000 characters of text beyond " \
           "those written out; write the values out or use fewer aliases" in shown, shown


def test_aliases_of_modest_text_still_work() -> None:
    from bot.yamlsource import MAX_ALIAS_CHARS, parse_yaml

    text = "x" * 1000
    doc = parse_yaml(f"a: &a '{text}'\nb: [{', '.join(['*a'] * (MAX_ALIAS_CHARS // 1000))}]\n", "ok.yaml")
    assert len(doc["b"]) == MAX_ALIAS_CHARS // 1000
    with pytest.raises(YamlError) as info:
        parse_yaml(f"a: &a '{text}'\nb: [{', '.join(['*a'] * (MAX_ALIAS_CHARS // 1000 + 2))}]\n", "bad.yaml")
    assert info.value.line == 2 and "characters of text" in info.value.message


# --- N4: rewrite values are a few words ---------------------------------------------------

@pytest.mark.parametrize("value, why", [
    (" ".join(["data engineer sql"] * 10000), "179,999 characters long (at most 60"),
    ("a b c d e f", "6 words long (at most 5"),
    ("x" * 61, "61 characters long (at most 60"),
])
@pytest.mark.parametrize("where", ["knowledge base", "overlay"])
def test_a_long_rewrite_value_is_a_line_problem(tmp_path: Path, value: str, why: str, where: str) -> None:
    import shutil

    from test_knowledge_errors import copy_knowledge

    from bot.loader import builtin_dir, check_knowledge

    if where == "overlay":
        kb = tmp_path / "kb"
        shutil.copytree(builtin_dir() / "facts", kb / "facts")
        (kb / "language").mkdir()
        vocabulary = kb / "language" / "vocabulary.yaml"
        vocabulary.write_text(f'rewrites:\n  pls: please\n  zq: "{value}"\n', encoding="utf-8")
        line = 3
    else:
        kb = copy_knowledge(tmp_path)
        vocabulary = kb / "language" / "vocabulary.yaml"
        text = vocabulary.read_text(encoding="utf-8")
        vocabulary.write_text(text.replace("rewrites: {", f'rewrites: {{\n  zq: "{value}",\n  ', 1),
                              encoding="utf-8")
        line = text.count("\n", 0, text.index("rewrites: {")) + 2
    knowledge, problems = check_knowledge(kb)
    assert knowledge is None
    shown = [str(p) for p in problems if not p.warning]
    assert len(shown) == 1 and shown[0].startswith(f"{vocabulary}:{line}: 'rewrites': the value of 'zq' is ") \
        and why in shown[0], shown


def test_rewrite_values_of_a_few_words_are_fine(tmp_path: Path) -> None:
    import shutil

    from bot.loader import builtin_dir, check_knowledge

    kb = tmp_path / "kb"
    shutil.copytree(builtin_dir() / "facts", kb / "facts")
    (kb / "language").mkdir()
    (kb / "language" / "vocabulary.yaml").write_text(
        'rewrites:\n  zq: "what do data engineers do"\n  q5: "' + "y" * 60 + '"\n', encoding="utf-8")
    knowledge, problems = check_knowledge(kb)
    assert knowledge is not None, [str(p) for p in problems]
    assert knowledge.language.vocabulary.rewrites["zq"] == "what do data engineers do"


# --- N5: the patterns of one test file share a time budget --------------------------------

CATASTROPHIC = r"^(.|..)*$[a-z]"  # backtracks without end on any answer of a few dozen characters


def slow_file(turns: int) -> str:
    return "conversations:\n  - name: c0\n    turns:\n" + (
        f"      - {{ask: hi, answer_matches: '{CATASTROPHIC}'}}\n" * turns)


def test_the_patterns_of_a_file_share_a_time_budget(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from bot.cli import main

    monkeypatch.setattr(pattern, "MATCH_SECONDS", 0.2)
    monkeypatch.setattr(pattern, "FILE_SECONDS", 0.5)
    test_file = tmp_path / "slow.chat.yaml"
    test_file.write_text(slow_file(40), encoding="utf-8")  # 40 × 0.2 s = 8 s without a budget
    started = time.monotonic()
    status = main(["test", str(test_file)])
    took = time.monotonic() - started
    out = capsys.readouterr().out
    assert status == 1
    assert took < 4, took
    assert out.count("ran out of time (") == 3  # 0.2 + 0.2 + 0.1 s, then the budget is spent
    assert f"answer_matches not checked at {test_file}:7: the patterns of this file used up its " \
           "time budget (0.5 s in all)" in out
    assert out.count("answer_matches not checked at") == 37


def test_the_pytest_plugin_shares_the_budget_across_a_files_conversations(
        pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    pytester.makefile(".chat.yaml", slow="conversations:\n" + "".join(
        f"  - name: c{i}\n    turns:\n      - {{ask: hi, answer_matches: '{CATASTROPHIC}'}}\n"
        for i in range(30)))
    monkeypatch.setattr(pattern, "MATCH_SECONDS", 0.2)
    monkeypatch.setattr(pattern, "FILE_SECONDS", 0.5)
    started = time.monotonic()
    result = pytester.runpytest("-q")
    assert time.monotonic() - started < 30
    result.assert_outcomes(failed=30)
    assert "used up its time budget" in result.stdout.str()


# --- N7: a report named at a FIFO is refused, not a hang -----------------------------------

@pytest.mark.parametrize("option", ["--junit-xml", "--json-file"])
@pytest.mark.parametrize("kind", ["fifo", "directory"])
def test_a_report_at_a_fifo_or_directory_is_refused_at_once(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], option: str, kind: str) -> None:
    import os

    from test_cache_security import must_finish

    from bot.cli import main

    test_file = tmp_path / "a.chat.yaml"
    test_file.write_text(one_turn_file("intent: greeting"), encoding="utf-8")
    target = tmp_path / ("rep.xml" if option == "--junit-xml" else "rep.json")
    if kind == "fifo":
        os.mkfifo(target)
    else:
        target.mkdir()
    with must_finish(20):
        status = main(["test", option, str(target), str(test_file)])
    out, err = capsys.readouterr()
    assert status == 2
    shown = "a FIFO" if kind == "fifo" else "a directory"
    assert err.strip() == f"mlbot test: {option} {target} is not a regular file ({shown}); name a file"
    assert "PASS" not in out  # refused before anything runs


# --- N8: the pytest plugin escapes conversation names ---------------------------------------

def test_the_pytest_plugin_escapes_control_characters_in_names(pytester: pytest.Pytester) -> None:
    name = "evil \x1b]0;PWNED\x07 \x1b[2J \x9b31m \u202e end"
    pytester.makefile(".chat.yaml", evil=(
        "conversations:\n"
        f"  - name: {json_string(name)}\n"
        "    turns:\n      - ask: hello\n        intent: role_skills\n"))
    result = pytester.runpytest("-v", "-rf")
    result.assert_outcomes(failed=1)
    out = result.stdout.str()
    for raw in ("\x1b", "\x07", "\x9b", "\u202e"):
        assert raw not in out, repr(raw)
    assert r"evil \x1b]0;PWNED\x07 \x1b[2J \x9b31m \u202e end" in out  # readable, as ls -b shows it


def json_string(text: str) -> str:
    import json

    return json.dumps(text)  # a JSON string is a YAML double-quoted scalar


# --- N10: --help and --version whose output is lost are errors ------------------------------

@pytest.mark.parametrize("args", [["--help"], ["--version"], ["test", "--help"]])
@pytest.mark.parametrize("redirect, reason", [
    (">/dev/full", "No space left on device"), (">&-", "standard output is closed"),
])
def test_help_and_version_that_cannot_be_written_exit_2(args: list[str], redirect: str, reason: str) -> None:
    from test_hostile_cli2 import process

    done = process(args, redirect)
    assert done.returncode == 2
    assert done.stderr == f"mlbot: cannot write standard output: {reason}\n"


def test_help_and_version_still_exit_0() -> None:
    from test_hostile_cli2 import process

    done = process(["--version"])
    assert done.returncode == 0 and done.stdout.startswith("mlbot ") and done.stderr == ""


# --- N12: test --record splits question lines at \n only ------------------------------------

def test_record_splits_questions_at_newlines_only() -> None:
    from bot.testing.recording import read_questions

    text = ("what does an nlp engineer\u2028really do\r\n"
            "what skills\x85do they need\n"
            "\n"
            "hi\x0bthere\x0cyou\x1cand\x1d\x1eme\n"
            "# a comment\n"
            "last line")
    assert read_questions(text) == [
        ["what does an nlp engineer\u2028really do", "what skills\x85do they need"],
        ["hi\x0bthere\x0cyou\x1cand\x1d\x1eme", "last line"],
    ]


# --- N11: plain output has no Unicode line separators --------------------------------------

def test_plain_output_makes_unicode_line_separators_spaces() -> None:
    from bot.render import safe

    text = "first\u2028second\u2029third\x85fourth\nnext line"
    shown = safe(text)
    assert shown.splitlines() == shown.split("\n") == ["first second third fourth", "next line"]
    for ch in "\u2028\u2029\x85":
        assert ch not in shown


def test_a_fact_with_line_separators_prints_as_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from test_knowledge_errors import copy_knowledge

    from bot.cli import main

    kb = copy_knowledge(tmp_path)
    roles = kb / "facts" / "roles.yaml"
    text = roles.read_text(encoding="utf-8")
    # YAML reads a raw U+2028 as a line break: \L and \P are its escapes in double quotes
    old = "focus: Manage ML pipelines and production systems"
    assert old in text
    roles.write_text(text.replace(old, 'focus: "Manage\\LML\\Ppipelines\\Nand production systems"', 1),
                     encoding="utf-8")
    main(["--knowledge", str(kb), "ask", "what does an mlops engineer do"])
    out = capsys.readouterr().out
    assert "Manage ML pipelines and production systems" in out
    assert out.splitlines() == out.split("\n")[:-1]
