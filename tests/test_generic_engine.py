"""The engine is generic: no role, skill, level or field name of the notes appears in bot/.

All of that vocabulary comes from the knowledge base at load time, so that new notes (or a
whole other knowledge base, `--knowledge DIR`) need YAML, never Python. These tests grep
every `bot/**/*.py` file for every name of the built-in notes and of the shipped example:
role ids, names and aliases, skill names and aliases, level ids, names, words and aliases,
the field's name and aliases, and the distinctive words of the built-in role names
("engineer", "scientist"). Matching is case-insensitive and by whole words (as `grep -w`:
an identifier such as `ml_overview` is one word), the words of a phrase separated by
spaces, hyphens, underscores or slashes.

Code (identifiers and string literals) and prose (comments and docstrings) are reported
by two tests: a name in code is vocabulary the engine has hard-coded; a name in prose is
an example that ties the engine's documentation to one set of notes.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.loader import builtin_dir, load_knowledge
from bot.model import Knowledge
from bot.understanding.normalise import split_words

ROOT = Path(__file__).resolve().parent.parent
ENGINE = ROOT / "bot"
BUILTIN = builtin_dir()
EXAMPLE = ROOT / "examples" / "data-roles"

# Names of the notes that are also ordinary English words. In prose and identifiers they
# say nothing of the notes ("a cache entry", "head of a list", `data = f.read()`); they are
# checked only as a quoted literal of their own ("entry"), which would be hard-coded vocabulary.
COMMON_WORDS: dict[str, str] = {
    "entry": "a cache entry, an entry point",
    "mid": "mid-typing, mid-way",
    "data": "the usual name of a variable holding data",
    "code": "source code",
    "py": "the .py file extension",
    "head": "a head word, the Unix `head` command",
    "machine": "machine-readable output",
    "math": "Python's math module",
    "git": "the .git directory",
    "python": "the language mlbot is written in (Python errors, the Python version)",
}

# Single occurrences that are ordinary English or Python, not the notes' vocabulary. Each:
# the term, a regular expression the line must match for the entry to apply, and why.
ALLOWED: tuple[tuple[str, str, str], ...] = (
    ("top level", r"top-level key", "a YAML document's top-level key"),
    ("entry point", r"entry point pytest11", "the Python packaging entry point of the plugin"),
)


@dataclass(frozen=True)
class Terms:
    """The names to look for: what each names, and one regular expression for them all."""

    origin: dict[str, str]  # name (lower case, words separated by one space) -> what it is
    phrases: re.Pattern[str]  # any name as whole words, the longest first
    literals: re.Pattern[str]  # a one-letter or common-word name as a quoted literal

    @classmethod
    def of(cls, origin: dict[str, str]) -> Terms:
        quoted = [t for t in origin if len(t) == 1 or t in COMMON_WORDS]
        phrases = sorted((t for t in origin if t not in quoted), key=lambda t: (-len(t), t))
        bodies = [r"[\s\-_/]+".join(re.escape(w) for w in t.split()) for t in phrases]
        letters = [re.escape(t.upper()) for t in quoted if len(t) == 1]
        words = [re.escape(t) for t in quoted if len(t) > 1]
        return cls(
            origin,
            re.compile(rf"(?<![A-Za-z0-9_])(?:{'|'.join(bodies)})(?![A-Za-z0-9_])", re.IGNORECASE),
            re.compile(rf"""(["'])(?:{'|'.join(letters)}|(?i:{'|'.join(words)}))\1"""),
        )

    def name_of(self, found: str) -> str:
        return " ".join(w for w in re.split(r"[\s\-_/]+", found.strip("'\"").lower()) if w)


@dataclass(frozen=True)
class Hit:
    path: str
    line: int
    word: str
    origin: str
    kind: str  # code | prose
    text: str  # the whole line

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.word!r} ({self.origin}): {self.text.strip()}"


def vocabulary_of(knowledge: Knowledge, words_of_role_names: bool) -> dict[str, str]:
    """Every name of the knowledge base -> what it names."""
    facts = knowledge.facts
    stopwords = knowledge.language.vocabulary.stopwords
    names: dict[str, str] = {}

    def add(text: str, origin: str) -> None:
        names.setdefault(" ".join(w.lower() for w in split_words(text)), origin)

    for role in facts.roles:
        for text in (role.id, role.name, role.name.split("(")[0], *role.aliases):
            add(text, f"role {role.id}")
        for word in split_words(role.name) if words_of_role_names else ():
            if word.lower() not in stopwords:
                add(word, f"a word of the role name {role.name!r}")
    for skill in facts.skills:
        for text in (skill.name, *skill.aliases):
            add(text, f"skill {skill.name}")
    for level in facts.levels:
        for text in (level.id, level.name, level.word, *level.aliases):
            add(text, f"level {level.id}")
    for text in (facts.domain_name, *facts.domain_aliases):
        add(text, "the field (notes.yaml domain)")
    names.pop("", None)
    return names


@pytest.fixture(scope="module")
def terms() -> Terms:
    found = vocabulary_of(load_knowledge(BUILTIN), words_of_role_names=True)
    for text, origin in vocabulary_of(load_knowledge(EXAMPLE), words_of_role_names=False).items():
        found.setdefault(text, f"{origin} of examples/data-roles")
    return Terms.of(found)


def _allowed(term: str, line: str) -> bool:
    return any(term == word and re.search(where, line) for word, where, _ in ALLOWED)


def _docstring_lines(source: str) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                if isinstance(body[0].value.value, str):
                    lines.update(range(body[0].lineno, (body[0].end_lineno or body[0].lineno) + 1))
    return lines


def scan(terms: Terms, files: list[Path]) -> Iterator[Hit]:
    """Every name found, the longest where names overlap ("computer vision engineer", not
    also "engineer"), each tagged code or prose."""
    skip = (tokenize.NEWLINE, tokenize.NL, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER)
    for path in files:
        relative = (path.relative_to(ROOT) if path.is_relative_to(ROOT) else path).as_posix()
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        docstrings = _docstring_lines(source)
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type in skip:
                continue
            prose = token.type == tokenize.COMMENT or (
                token.type == tokenize.STRING and token.start[0] in docstrings)
            matches = [*terms.phrases.finditer(token.string), *terms.literals.finditer(token.string)]
            for match in sorted(matches, key=lambda m: m.start()):
                number = token.start[0] + token.string.count("\n", 0, match.start())
                name = terms.name_of(match.group(0))
                if not _allowed(name, lines[number - 1]):
                    yield Hit(relative, number, match.group(0), terms.origin[name],
                              "prose" if prose else "code", lines[number - 1])


@pytest.fixture(scope="module")
def engine_hits(terms: Terms) -> list[Hit]:
    return list(scan(terms, sorted(ENGINE.rglob("*.py"))))


def _report(hits: list[Hit], what: str) -> str:
    return f"{len(hits)} names of the notes in {what} of bot/:\n" + "\n".join(map(str, hits))


def test_the_engine_code_names_nothing_of_the_notes(engine_hits: list[Hit]) -> None:
    """Identifiers and string literals: vocabulary belongs in knowledge/ (facts or language)."""
    hits = [h for h in engine_hits if h.kind == "code"]
    assert not hits, _report(hits, "the code")


def test_the_engine_docs_name_nothing_of_the_notes(engine_hits: list[Hit]) -> None:
    """Comments and docstrings: examples should be generic ("a role", "a skill")."""
    hits = [h for h in engine_hits if h.kind == "prose"]
    assert not hits, _report(hits, "comments and docstrings")


# --- the grep itself ---------------------------------------------------------------------


def test_the_vocabulary_holds_what_it_must(terms: Terms) -> None:
    texts = set(terms.origin)
    for expected in ("mlops", "mlops engineer", "python", "entry", "senior",
                     "engineer", "scientist", "machine learning", "r", "data analyst", "dbt"):
        assert expected in texts
    assert "of" not in texts  # generic English words of role names are left out
    assert "level" not in texts


def test_the_grep_finds_names_however_they_are_written(terms: Terms, tmp_path: Path) -> None:
    source = tmp_path / "sample.py"
    source.write_text(
        '"""Explains the Computer Vision Engineer."""\n'  # 1: prose, the longest name only
        'if role.id == "mlops_engineer":  # fine\n'  # 2: a role id in code
        "    say('Senior')\n"  # 3: a level word in code
        "# what does an ML-Research scientist do\n"  # 4: a hyphenated role name, in a comment
        'skills = ["R", "Python"]\n'  # 5: a one-letter skill and another
        "for r in roles: ml_overview(r)\n"  # 6: nothing: variables and an intent id
        "machine_learning = 'entry'\n"  # 7: the field as an identifier; a common word quoted
        "entry = data = head  # an entry of the table\n",  # 8: nothing: plain English
        encoding="utf-8",
    )
    found = {(h.line, h.word.lower(), h.kind) for h in scan(terms, [source])}
    assert found == {
        (1, "computer vision engineer", "prose"),
        (2, "mlops_engineer", "code"),
        (3, "senior", "code"),
        (4, "ml-research scientist", "prose"),
        (5, '"r"', "code"),
        (5, '"python"', "code"),
        (7, "machine_learning", "code"),
        (7, "'entry'", "code"),
    }


def test_the_allowlist_is_narrow(terms: Terms, tmp_path: Path) -> None:
    source = tmp_path / "sample.py"
    source.write_text(
        'help="show Python tracebacks on errors"\n'
        'language = "Python"\n'
        "from math import exp\n"
        "skills = ['math']\n"
        "raise KnowledgeError('missing top-level key')\n"
        "levels = ['top level']\n",
        encoding="utf-8",
    )
    found = [(h.line, h.word) for h in scan(terms, [source])]
    assert found == [(2, '"Python"'), (4, "'math'"), (6, "top level")]
