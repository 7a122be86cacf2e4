"""Canned question test files (the contract's YAML format): parsing and strict validation.

A test file that is wrong in any way must fail loudly, never pass silently: every problem
is collected (not just the first) and reported as `file:line: problem`, using the line
marks of `bot.yamlsource`. Validation needs only plain data about the knowledge base
(`Known`), so the same file can be checked against another knowledge base.
"""

from __future__ import annotations

import difflib
import math
import stat
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..yamlsource import MarkedDict, MarkedList, YamlError, line_of, parse_yaml, read_yaml

TOP_KEYS = ("conversations",)
CONVERSATION_KEYS = ("name", "turns")
TURN_KEYS = (
    "ask",
    "intent",
    "roles",
    "skills",
    "level",
    "answer_has",
    "answer_lacks",
    "answer_matches",
    "min_confidence",
)


# what must not reach a terminal raw from a file name or a test file: controls, format characters
# (bidi overrides), line and paragraph separators, lone surrogates (bytes that were not UTF-8)
_UNSHOWN = frozenset(("Cc", "Cf", "Cs", "Zl", "Zp"))


def _escape(ch: str) -> str:
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:  # a byte of a non-UTF-8 file name, kept by surrogateescape
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape_controls(text: str) -> str:
    """`text` with every character that could steer a terminal written as an escape (`\\x1b`),
    as `ls -b` and git show file names: readable, and never an escape sequence."""
    if text.isascii() and text.isprintable():  # the usual case, cheaply
        return text
    return "".join(_escape(ch) if unicodedata.category(ch) in _UNSHOWN else ch for ch in text)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a test file. `line` is 1-based; 0 when unknown."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return escape_controls(f"{where}: {self.message}")


@dataclass(frozen=True)
class Known:
    """What a test file may name: the contract's intents and one knowledge base's ids."""

    intents: tuple[str, ...]
    roles: tuple[str, ...]
    levels: tuple[str, ...]
    skills: tuple[str, ...]


@dataclass(frozen=True)
class Turn:
    ask: str
    line: int
    intent: str | None = None
    roles: tuple[str, ...] | None = None
    skills: tuple[str, ...] | None = None
    level: str | None = None
    checks_level: bool = False  # `level: null` is an expectation too (no level), unlike absence
    answer_has: tuple[str, ...] = ()
    answer_lacks: tuple[str, ...] = ()
    answer_matches: str | None = None
    min_confidence: float | None = None


@dataclass(frozen=True)
class Conversation:
    path: str
    name: str
    line: int
    turns: tuple[Turn, ...]

    @property
    def test_id(self) -> str:
        return f"{self.path}::{self.name}"


@dataclass(frozen=True)
class TestFile:
    path: str
    conversations: tuple[Conversation, ...]


def known_from_knowledge(knowledge: Any) -> Known:
    """`Known` for a loaded knowledge base (`bot.model.Knowledge`)."""
    from ..loader import INTENT_IDS

    facts = knowledge.facts
    levels = dict.fromkeys([lv.word for lv in facts.levels] + [lv.id for lv in facts.levels])
    return Known(
        intents=tuple(INTENT_IDS),
        roles=tuple(facts.role_by_id),
        levels=tuple(levels),
        skills=tuple(skill.name for skill in facts.skills),
    )


def _kind(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"a yes/no value ({str(value).lower()})"
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    if isinstance(value, str):
        return "text"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def _near(word: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


class _Validator:
    """Collects problems while building one file's frozen specs."""

    def __init__(self, path: str, known: Known) -> None:
        self.path = path
        self.known = known
        self.problems: list[Problem] = []

    def add(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.path, line, message))

    def unknown_keys(self, node: MarkedDict, allowed: tuple[str, ...], where: str) -> None:
        for key in node:
            if key not in allowed:
                hint = _near(str(key), allowed) or f" (allowed: {', '.join(allowed)})"
                self.add(line_of(node, key), f"unknown key {key!r} in {where}{hint}")

    def text(self, node: MarkedDict, key: str, where: str) -> str | None:
        value = node[key]
        if not isinstance(value, str):
            hint = "; put it in quotes" if isinstance(value, (int, float)) else ""
            self.add(line_of(node, key), f"{key} of {where} must be text, not {_kind(value)}{hint}")
            return None
        if not value.strip():
            self.add(line_of(node, key), f"{key} of {where} is empty")
            return None
        return value

    def texts(self, node: MarkedDict, key: str, where: str) -> tuple[str, ...] | None:
        """A list of non-empty texts; a bare text is refused so files mean the same everywhere
        (a scorer iterating it would see single characters)."""
        value = node[key]
        line = line_of(node, key)
        if not isinstance(value, list):
            example = f"[{value}]" if isinstance(value, str) else "[]" if value is None else "[...]"
            self.add(
                line,
                f"{key} of {where} must be a list, not {_kind(value)} (write {key}: {example})",
            )
            return None
        items: list[str] = []
        ok = True
        for index, item in enumerate(value):
            item_line = line_of(value, index) or line
            if not isinstance(item, str):
                hint = "; put it in quotes" if isinstance(item, (int, float)) else ""
                self.add(
                    item_line,
                    f"item {index + 1} of {key} in {where} must be text, not {_kind(item)}{hint}",
                )
                ok = False
            elif not item.strip():
                self.add(
                    item_line,
                    f"item {index + 1} of {key} in {where} is empty (it would always match)",
                )
                ok = False
            else:
                items.append(item)
        return tuple(items) if ok else None

    def ids(
        self,
        node: MarkedDict,
        key: str,
        where: str,
        allowed: tuple[str, ...],
        what: str,
        fold_case: bool = False,
    ) -> tuple[str, ...] | None:
        values = self.texts(node, key, where)
        if values is None:
            return None
        lookup = {a.lower(): a for a in allowed} if fold_case else {a: a for a in allowed}
        ok = True
        for index, value in enumerate(values):
            if (value.lower() if fold_case else value) not in lookup:
                line = line_of(node[key], index) or line_of(node, key)
                shown = ", ".join(allowed) if len(allowed) <= 12 else "see the knowledge base"
                self.add(
                    line,
                    f"unknown {what} {value!r} in {where}{_near(value, allowed)} (known: {shown})",
                )
                ok = False
        return values if ok else None


def _parse_turn(v: _Validator, node: Any, line: int, where: str) -> Turn | None:
    if not isinstance(node, MarkedDict):
        v.add(line, f"{where} must be a mapping with an 'ask' key, not {_kind(node)}")
        return None
    before = len(v.problems)
    v.unknown_keys(node, TURN_KEYS, where)
    ask = None
    if "ask" not in node:
        v.add(node.line, f"{where} has no 'ask' (the question to put to the bot)")
    else:
        ask = v.text(node, "ask", where)
    fields: dict[str, Any] = {}
    if "intent" in node:
        intent = v.text(node, "intent", where)
        if intent is not None and intent not in v.known.intents:
            v.add(
                line_of(node, "intent"),
                f"unknown intent {intent!r} in {where}{_near(intent, v.known.intents)}",
            )
        fields["intent"] = intent
    if "roles" in node:
        fields["roles"] = v.ids(node, "roles", where, v.known.roles, "role id")
    if "skills" in node:
        fields["skills"] = v.ids(node, "skills", where, v.known.skills, "skill", fold_case=True)
    if "level" in node:
        fields["checks_level"] = True
        if node["level"] is not None:  # null: the answer must name no level
            level = v.text(node, "level", where)
            if level is not None and level not in v.known.levels:
                v.add(
                    line_of(node, "level"),
                    f"unknown level {level!r} in {where}"
                    f"{_near(level, v.known.levels)} (known: {', '.join(v.known.levels)})",
                )
            fields["level"] = level
    for key in ("answer_has", "answer_lacks"):
        if key in node:
            fields[key] = v.texts(node, key, where)
    if "answer_matches" in node:
        pattern = v.text(node, "answer_matches", where)
        if pattern is not None:
            from .pattern import compile_pattern

            try:
                compile_pattern(pattern)
            except ValueError as exc:
                v.add(
                    line_of(node, "answer_matches"),
                    f"answer_matches of {where} is not a valid regular expression: {exc}",
                )
        fields["answer_matches"] = pattern
    if "min_confidence" in node:
        value = node["min_confidence"]
        mline = line_of(node, "min_confidence")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            v.add(
                mline, f"min_confidence of {where} must be a number from 0 to 1, not {_kind(value)}"
            )
        elif math.isnan(value) or not 0 <= value <= 1:
            v.add(mline, f"min_confidence of {where} must be from 0 to 1, not {value}")
        else:
            fields["min_confidence"] = float(value)
    if len(v.problems) > before or ask is None:
        return None
    return Turn(ask=ask, line=node.line, **fields)


def _parse_conversation(v: _Validator, node: Any, line: int, number: int) -> Conversation | None:
    where = f"conversation {number}"
    if not isinstance(node, MarkedDict):
        v.add(line, f"{where} must be a mapping with 'name' and 'turns', not {_kind(node)}")
        return None
    before = len(v.problems)
    name = None
    if "name" not in node:
        v.add(node.line, f"{where} has no 'name'")
    else:
        name = v.text(node, "name", where)
        if name is not None:
            where = f"conversation {name!r}"
    v.unknown_keys(node, CONVERSATION_KEYS, where)
    turns: list[Turn | None] = []
    if "turns" not in node:
        v.add(node.line, f"{where} has no 'turns'")
    elif not isinstance(node["turns"], MarkedList):
        v.add(
            line_of(node, "turns"), f"turns of {where} must be a list, not {_kind(node['turns'])}"
        )
    elif not node["turns"]:
        v.add(line_of(node, "turns"), f"{where} has no turns")
    else:
        raw_turns = node["turns"]
        for index, turn in enumerate(raw_turns):
            turns.append(
                _parse_turn(v, turn, line_of(raw_turns, index), f"turn {index + 1} of {where}")
            )
    if len(v.problems) > before or name is None or any(t is None for t in turns):
        return None
    return Conversation(v.path, name, node.line, tuple(t for t in turns if t is not None))


def validate(doc: Any, path: str, known: Known) -> tuple[TestFile | None, list[Problem]]:
    """A parsed YAML document -> the test file, or None and every problem found."""
    v = _Validator(path, known)
    if not isinstance(doc, MarkedDict):
        what = "empty" if doc is None else f"{_kind(doc)}"
        v.add(
            line_of(doc) or 1,
            f"a test file must be a mapping with 'conversations', but this one is {what}",
        )
        return None, v.problems
    v.unknown_keys(doc, TOP_KEYS, "the file")
    raw = doc.get("conversations")
    conversations: list[Conversation] = []
    if "conversations" not in doc:
        v.add(doc.line, "no 'conversations' list")
    elif not isinstance(raw, MarkedList):
        v.add(line_of(doc, "conversations"), f"conversations must be a list, not {_kind(raw)}")
    elif not raw:
        # a file that tests nothing would pass silently
        v.add(line_of(doc, "conversations"), "conversations is empty")
    else:
        seen: dict[str, int] = {}
        for index, node in enumerate(raw):
            conversation = _parse_conversation(v, node, line_of(raw, index), index + 1)
            name = node.get("name") if isinstance(node, MarkedDict) else None
            if isinstance(name, str) and name.strip():
                line = line_of(node, "name")
                if name in seen:
                    v.add(
                        line, f"duplicate conversation name {name!r} (first at line {seen[name]})"
                    )
                else:
                    seen[name] = line
            if conversation is not None:
                conversations.append(conversation)
    if v.problems:
        return None, sorted(v.problems, key=lambda p: p.line)  # stable: same-line order kept
    return TestFile(path, tuple(conversations)), []


def parse_text(text: str, path: str, known: Known) -> tuple[TestFile | None, list[Problem]]:
    try:
        doc = parse_yaml(text, path)
    except YamlError as exc:
        return None, [Problem(path, exc.line, exc.message)]
    return validate(doc, path, known)


def load_file(
    path: Path, known: Known, shown: str | None = None
) -> tuple[TestFile | None, list[Problem]]:
    """Read and validate one test file; `shown` is the path as the user wrote it."""
    shown = shown or str(path)
    try:
        doc = read_yaml(path)
    except YamlError as exc:
        return None, [Problem(shown, exc.line, exc.message)]
    return validate(doc, shown, known)


def find_files(args: Iterable[str]) -> tuple[list[Path], list[Problem]]:
    """Test files named on the command line; a directory means every *.yaml below it.

    Hidden directories (.git, .venv) are skipped: they hold other tools' YAML.
    """
    found: dict[Path, None] = {}
    problems: list[Problem] = []
    for arg in args:
        path = Path(arg)
        if path.is_dir():
            below = sorted(
                p
                for p in path.rglob("*.yaml")
                if p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(path).parts[:-1])
            )
            if not below:
                problems.append(Problem(arg, 0, "no *.yaml test files below this directory"))
            found.update(dict.fromkeys(below))
        elif path.is_file():
            found[path] = None
        else:
            problems.append(Problem(arg, 0, _not_a_test_file(path)))
    return list(found), problems


def _not_a_test_file(path: Path) -> str:
    """Why a named path that is neither a directory nor a regular file cannot be run."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return "no such file or directory"
    except OSError as exc:
        return exc.strerror or str(exc)
    kinds = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
             (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))
    kind = next((name for test, name in kinds if test(mode)), "a special file")
    return f"not a regular file ({kind}); name a test file or a directory of them"
