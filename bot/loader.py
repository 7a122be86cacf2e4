"""Load a knowledge base directory into frozen records, checking every field.

Layout of a knowledge directory:
    facts/roles.yaml  facts/skills.yaml  facts/career.yaml  facts/notes.yaml
    language/vocabulary.yaml  language/concepts.yaml  language/intents.yaml
    language/templates.yaml  language/answers.yaml
A directory without `language/` uses the built-in language files, so a new set of notes
needs only its facts. A `language/` directory is an overlay: each file in it extends the
built-in file of that name (lists grow, mappings gain or replace keys, text replaces), and
a file it lacks is the built-in one. Every problem is collected and reported together,
each as `file:line: problem` (a problem of an overlay names the overlay's file and line).
"""

from __future__ import annotations

import datetime
import math
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .mapping import FrozenMap
from .model import (
    Answering,
    CommonSkill,
    Facts,
    IntentSpec,
    Knowledge,
    Language,
    Level,
    RefusalKind,
    Role,
    Skill,
    Vocabulary,
)
from .problems import KnowledgeError, Problem
from .yamlsource import MarkedDict, MarkedList, YamlError, line_of, read_yaml

FACT_FILES = ("roles.yaml", "skills.yaml", "career.yaml", "notes.yaml")
LANGUAGE_FILES = ("vocabulary.yaml", "concepts.yaml", "intents.yaml", "templates.yaml", "answers.yaml")
INTENT_IDS = (
    "role_overview", "role_skills", "role_tasks", "role_has_skill", "role_compare",
    "roles_for_skill", "recommend_role", "list_roles", "common_skills", "career_path",
    "career_level", "career_next", "ml_overview", "summary", "greeting", "thanks",
    "goodbye", "help", "out_of_scope",
)
TAKES_ROLES = ("none", "one", "many", "two")
# Largest item an ordinal word may pick ("the thousandth"); answers list far fewer.
MAX_ORDINAL = 1000
COMPUTED_FEATURES = (
    "role", "two_roles", "skill_entity", "two_skills", "level_entity", "domain", "bare_head",
    "unknown_role", "pronoun", "ref_role", "ctx_role", "ordinal", "yes_no", "unexplained",
    "content", "bias", "work_words", "ctx_level", "two_levels", "unknown_skill", "ref_skill",
    "work_focus", "asks_level",
)


def template_problems(text: str, fields: frozenset[str]) -> list[str]:
    """What is wrong with the {placeholders} of one template: unknown names, stray braces."""
    problems = []
    for match in re.finditer(r"\{([^{}]*)\}", text):
        name = match.group(1)
        if not re.fullmatch(r"[a-z_]+", name):
            problems.append(f"{{{name}}} is not a placeholder (names are lower_snake_case)")
        elif name not in fields:
            problems.append(f"unknown placeholder {{{name}}}")
    if re.sub(r"\{[^{}]*\}", "", text).count("{") or re.sub(r"\{[^{}]*\}", "", text).count("}"):
        problems.append("a brace without its pair")
    return problems


def builtin_dir() -> Path:
    """The knowledge base shipped with mlbot (inside the wheel, or beside the sources)."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "knowledge", here.parent / "knowledge"):
        if (candidate / "facts").is_dir():
            return candidate
    return here.parent / "knowledge"


def resolve_dir(explicit: str | None) -> Path:
    """--knowledge wins, then $MLBOT_KNOWLEDGE, then the built-in knowledge base."""
    chosen = explicit or os.environ.get("MLBOT_KNOWLEDGE")
    return Path(chosen) if chosen else builtin_dir()


# Stands in for a file that is missing or not valid YAML (already reported), so that the
# other files are still checked and every problem is listed in one run.
_BROKEN: Any = object()


def _file_line(doc: Any) -> int:
    """Where a problem with a whole file is reported: its first node, else line 1."""
    return line_of(doc) or 1


def _number(value: Any) -> float | None:
    """A finite number, or None (true/false, text, nan, inf and 400-digit ints are not)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


class _Checker:
    """Reads values out of parsed YAML, recording a problem for each bad one."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, path: str, line: int, message: str, warning: bool = False) -> None:
        self.problems.append(Problem(path, line, message, warning))

    def mapping(self, path: str, node: Any, where: str, line: int) -> dict[str, Any] | None:
        if not isinstance(node, dict):
            self.add(path, line, f"{where} must be a mapping, got {_kind(node)}")
            return None
        return node

    def keys(self, path: str, node: dict[str, Any], where: str, required: tuple[str, ...],
             optional: tuple[str, ...] = ()) -> bool:
        ok = True
        for key in node:
            if key not in required and key not in optional:
                allowed = ", ".join(required + optional)
                self.add(path, line_of(node, key), f"unknown key {key!r} in {where} (allowed: {allowed})")
                ok = False
        for key in required:
            if key not in node:
                self.add(path, line_of(node), f"{where} is missing {key!r}")
                ok = False
        return ok

    def text(self, path: str, node: dict[str, Any], key: str, where: str,
             required: bool = True) -> str | None:
        value = node.get(key)
        if value is None:
            if required and key in node:
                self.add(path, line_of(node, key), f"{where}: {key!r} must not be empty")
            return None
        if not isinstance(value, str):
            quote = "; put it in quotes to keep it as written" if _unquoted_scalar(value) else ""
            self.add(path, line_of(node, key), f"{where}: {key!r} must be text, got {_kind(value)}{quote}")
            return None
        value = value.strip()
        if not value and required:
            self.add(path, line_of(node, key), f"{where}: {key!r} must not be empty")
            return None
        return value

    def texts(self, path: str, node: dict[str, Any], key: str, where: str,
              non_empty: bool = False) -> tuple[str, ...]:
        value = node.get(key)
        if value is None:
            if non_empty:
                self.add(path, line_of(node, key), f"{where}: {key!r} must list at least one item")
            return ()
        if not isinstance(value, list):
            self.add(path, line_of(node, key), f"{where}: {key!r} must be a list, got {_kind(value)}")
            return ()
        out: list[str] = []
        bad_items = False
        for i, item in enumerate(value):
            if _unquoted_scalar(item):
                self.add(path, line_of(value, i),
                         f"{where}: item {i + 1} of {key!r} reads as {_kind(item)}; put it in quotes")
                bad_items = True
                continue
            if not isinstance(item, str) or not item.strip():
                self.add(path, line_of(value, i),
                         f"{where}: item {i + 1} of {key!r} must be non-empty text")
                bad_items = True
                continue
            out.append(item.strip())
        # an empty list is a problem of its own; a list of bad items was reported item by item
        if non_empty and not out and not bad_items:
            self.add(path, line_of(node, key), f"{where}: {key!r} must list at least one item")
        return tuple(out)


def _unquoted_scalar(value: Any) -> bool:
    """A YAML scalar that was meant as text but read as something else: `yes`, `3.10`
    (which would become "3.1"), `2024-01-01`."""
    return value is not None and not isinstance(value, (str, dict, list))


def _kind(value: Any) -> str:
    """What a value is, in words, never the value itself: a container may stand for
    millions of values (YAML aliases) and text of it could be huge."""
    if value is None:
        return "nothing"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return "a number"
    if isinstance(value, datetime.date):
        return "a date"
    return {dict: "a mapping", list: "a list", str: "text", bool: "true/false"}.get(
        type(value).__mro__[-2] if type(value).__mro__[-2] in (dict, list) else type(value),
        type(value).__name__,
    )


def _read_all(directory: Path, names: tuple[str, ...],
              checker: _Checker) -> dict[str, tuple[str, Any]]:
    """Every file by name; a missing or unparsable one is reported and stands as _BROKEN.

    A file is read only if it is a regular file (a FIFO, /dev/zero or a directory in its
    place is refused without blocking or reading: `bot.safeio`)."""
    found: dict[str, tuple[str, Any]] = {str(name): (str(directory / name), _BROKEN) for name in names}
    unreadable = _unreadable_dir(directory)
    if unreadable:
        # one problem for the directory, not one per file it hides
        checker.add(str(directory), 0, f"cannot read the directory: {unreadable}")
        return found
    for name in names:
        path = directory / name
        try:
            found[name] = (str(path), read_yaml(path))
        except YamlError as exc:
            # line 0: there is no line to point at in a file that does not exist
            message = "file is missing" if exc.line == 0 else exc.message
            checker.add(exc.path, exc.line, message)
    return found


def _unreadable_dir(directory: Path) -> str | None:
    """Why the files of `directory` cannot be reached (mode 000, a file in its place), or
    None when they can, or when it is missing (each file is then reported missing)."""
    try:
        # resolving "dir/." needs search permission on dir, as reaching its files does
        os.stat(os.path.join(directory, "."))
        return None
    except FileNotFoundError:
        return None
    except OSError as exc:
        return exc.strerror or type(exc).__name__


def load_knowledge(directory: Path | str | None = None) -> Knowledge:
    """Load and validate a knowledge base; raise `KnowledgeError` listing every problem."""
    knowledge, problems = check_knowledge(directory)
    errors = [p for p in problems if not p.warning]
    if errors or knowledge is None:
        raise KnowledgeError(errors or problems)
    return knowledge


def check_knowledge(directory: Path | str | None = None) -> tuple[Knowledge | None, list[Problem]]:
    """Load a knowledge base, returning it (None when it has errors) and all problems found."""
    root = Path(directory) if directory is not None else builtin_dir()
    checker = _Checker()
    if not os.path.isdir(root):
        checker.add(str(root), 0, "knowledge directory does not exist")
        return None, checker.problems
    unreadable = _unreadable_dir(root)
    if unreadable:
        checker.add(str(root), 0, f"cannot read the knowledge directory: {unreadable}")
        return None, checker.problems
    fact_docs = _read_all(root / "facts", FACT_FILES, checker)
    language_docs = _read_all(builtin_dir() / "language", LANGUAGE_FILES, checker)
    overlay_dir = root / "language"
    # unlike Path.is_dir, os.path.isdir never raises PermissionError
    if os.path.isdir(overlay_dir) and not _same_dir(overlay_dir, builtin_dir() / "language"):
        language_docs = _with_overlay(language_docs, overlay_dir, checker)
    # the files that did load are still checked, so one run lists every problem
    facts = _build_facts(fact_docs, checker)
    language = _build_language(language_docs, checker)
    if facts is not None and language is not None:
        _check_answering_facts(language_docs, language.answering, facts, checker)
    # warnings only for a base without errors: after an error they mostly echo it (a role
    # that failed to load leaves "skill X is used by no role" behind)
    if facts is not None and not any(not p.warning for p in checker.problems):
        from .lint import likely_mistakes

        checker.problems.extend(likely_mistakes(facts, {name: doc for name, doc in fact_docs.items()}))
    if any(not p.warning for p in checker.problems) or facts is None or language is None:
        return None, checker.problems
    return Knowledge(facts=facts, language=language, source=str(root)), checker.problems


def _same_dir(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _with_overlay(docs: dict[str, tuple[str, Any]], overlay_dir: Path,
                  checker: _Checker) -> dict[str, tuple[str, Any]]:
    """The built-in language files extended by the overlay's files of the same names. A merged
    file is reported under the overlay's path: the built-in part is valid, so a problem in it
    comes from what the overlay added (and has the overlay's line)."""
    unreadable = _unreadable_dir(overlay_dir)
    if unreadable:
        checker.add(str(overlay_dir), 0, f"cannot read the directory: {unreadable}")
        return docs
    try:
        present = sorted(os.listdir(overlay_dir))
    except OSError as exc:
        checker.add(str(overlay_dir), 0, f"cannot read the directory: {exc.strerror or exc}")
        return docs
    out = dict(docs)
    for name in present:
        path = overlay_dir / name
        if name not in LANGUAGE_FILES:
            if name.endswith((".yaml", ".yml")):
                checker.add(str(path), 1, f"not a language file (an overlay may have: {', '.join(LANGUAGE_FILES)})")
            continue
        try:
            overlay = read_yaml(path)
        except YamlError as exc:
            checker.add(exc.path, exc.line, exc.message)
            out[name] = (str(path), _BROKEN)
            continue
        base = docs[name][1]
        if overlay is None:  # an empty file extends nothing
            continue
        if name == "templates.yaml":
            _check_overlay_templates(str(path), base, overlay, checker)
        out[name] = (str(path), overlay if base is _BROKEN else merge_yaml(base, overlay))
    return out


def _check_overlay_templates(path: str, base: Any, overlay: Any, checker: _Checker) -> None:
    """An overlay's template must be one the answers use: another name is a typo that would
    silently change nothing."""
    known = base.get("templates") if isinstance(base, dict) else None
    mine = overlay.get("templates") if isinstance(overlay, dict) else None
    if not isinstance(known, dict) or not isinstance(mine, dict):
        return
    for key in mine:
        if key not in known:
            checker.add(path, line_of(mine, key), f"unknown template {key!r} (an overlay replaces templates "
                                                  "of the built-in templates.yaml)")


def merge_yaml(base: Any, over: Any) -> Any:
    """`over` laid on `base`: mappings merged key by key, lists extended (an item already
    there is not repeated), anything else replaced. Line marks are kept: each key and item
    has the line of the file it came from."""
    if isinstance(base, dict) and isinstance(over, dict):
        merged = MarkedDict(base)
        merged.line = getattr(over, "line", 0)
        merged.key_lines = {**getattr(base, "key_lines", {}), **getattr(over, "key_lines", {})}
        for key, value in over.items():
            merged[key] = merge_yaml(base[key], value) if key in base else value
        return merged
    if isinstance(base, list) and isinstance(over, list):
        merged_list = MarkedList(base)
        merged_list.line = getattr(over, "line", 0)
        lines = list(getattr(base, "item_lines", [0] * len(base)))
        over_lines = list(getattr(over, "item_lines", [0] * len(over)))
        for i, item in enumerate(over):
            if isinstance(item, (str, int, float)) and item in base:
                continue
            merged_list.append(item)
            lines.append(over_lines[i] if i < len(over_lines) else 0)
        merged_list.item_lines = lines
        return merged_list
    return over


def _top(docs: dict[str, tuple[str, Any]], name: str, key: str, checker: _Checker,
         kind: type = list, own_keys_check: bool = False) -> tuple[str, Any]:
    """The value of the top-level `key` of file `name`; any other top-level key is
    reported, unless the caller checks the keys itself (`own_keys_check`)."""
    path, doc = docs[name]
    if doc is _BROKEN:
        return path, None
    if not isinstance(doc, dict):
        checker.add(path, _file_line(doc), f"the file must be a mapping with {key!r}")
        return path, None
    if not own_keys_check:
        checker.keys(path, doc, name, (), (key,))
    if key not in doc:
        checker.add(path, _file_line(doc), f"missing top-level key {key!r}")
        return path, None
    value = doc[key]
    if not isinstance(value, kind):
        want = "a list" if kind is list else "a mapping"
        checker.add(path, line_of(doc, key), f"{key!r} must be {want}, got {_kind(value)}")
        return path, None
    return path, value


def _build_facts(docs: dict[str, tuple[str, Any]], c: _Checker) -> Facts | None:
    skills, skill_names = _build_skills(docs, c)
    roles, role_ids = _build_roles(docs, c, skill_names)
    levels, progression = _build_levels(docs, c, role_ids)
    notes_path, notes = docs["notes.yaml"]
    if notes is _BROKEN:
        return None
    if not isinstance(notes, dict):
        c.add(notes_path, _file_line(notes), "the file must be a mapping")
        return None
    c.keys(notes_path, notes, "notes.yaml", ("title", "domain", "introduction", "common_skills", "summary"))
    title = c.text(notes_path, notes, "title", "notes.yaml") or ""
    domain = c.mapping(notes_path, notes.get("domain", {}), "'domain'", line_of(notes, "domain")) or {}
    if domain:
        c.keys(notes_path, domain, "domain", ("name", "aliases", "covers"))
    domain_name = c.text(notes_path, domain, "name", "domain") or "" if domain else ""
    covers = c.text(notes_path, domain, "covers", "domain") or "" if domain else ""
    domain_aliases = c.texts(notes_path, domain, "aliases", "domain") if domain else ()
    introduction = c.texts(notes_path, notes, "introduction", "notes.yaml", non_empty=True)
    summary = c.texts(notes_path, notes, "summary", "notes.yaml", non_empty=True)
    common: list[CommonSkill] = []
    raw_common = notes.get("common_skills")
    if not isinstance(raw_common, list):
        c.add(notes_path, line_of(notes, "common_skills"), "'common_skills' must be a list")
    else:
        for i, item in enumerate(raw_common):
            where = f"common_skills item {i + 1}"
            node = c.mapping(notes_path, item, where, line_of(raw_common, i))
            if node is None or not c.keys(notes_path, node, where, ("text", "skills")):
                continue
            text = c.text(notes_path, node, "text", where)
            names = c.texts(notes_path, node, "skills", where, non_empty=True)
            for j, name in enumerate(names):
                if skill_names is not None and name not in skill_names:
                    c.add(notes_path, line_of(node["skills"], j),
                          f"{where}: unknown skill {name!r} (not in skills.yaml)")
            if text:
                common.append(CommonSkill(text, names))
    return Facts(
        title=title, domain_name=domain_name, domain_aliases=domain_aliases, covers=covers,
        introduction=introduction, common_skills=tuple(common), summary=summary,
        roles=roles, skills=skills, levels=levels, progression=progression,
        role_by_id=FrozenMap({r.id: r for r in roles}),
        skill_by_name=FrozenMap({s.name: s for s in skills}),
        level_by_id=FrozenMap({lv.id: lv for lv in levels}),
        level_of_role=FrozenMap({rid: lv.id for lv in levels for rid in lv.roles}),
    )


def _build_skills(docs: dict[str, tuple[str, Any]],
                  c: _Checker) -> tuple[tuple[Skill, ...], set[str] | None]:
    """The skills, and every name declared (None when the file could not be read: then
    references to skills are not checked, which would only repeat that one problem)."""
    path, items = _top(docs, "skills.yaml", "skills", c)
    declared: set[str] | None = None if items is None else set()
    out: list[Skill] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(items or []):
        where = f"skill {i + 1}"
        node = c.mapping(path, item, where, line_of(items, i))
        if node is None or not c.keys(path, node, where, ("name",), ("aliases", "also_names_role")):
            continue
        name = c.text(path, node, "name", where)
        if not name:
            continue
        if declared is not None:
            declared.add(name)
        if name.lower() in seen:
            c.add(path, line_of(node, "name"),
                  f"duplicate skill {name!r} (first at line {seen[name.lower()]})")
            continue
        seen[name.lower()] = line_of(node, "name")
        flag = node.get("also_names_role", False)
        if not isinstance(flag, bool):
            c.add(path, line_of(node, "also_names_role"), f"{where}: 'also_names_role' must be true or false")
            flag = False
        out.append(Skill(name, c.texts(path, node, "aliases", f"skill {name!r}"), flag))
    return tuple(out), declared


def _build_roles(docs: dict[str, tuple[str, Any]], c: _Checker,
                 skill_names: set[str] | None) -> tuple[tuple[Role, ...], set[str] | None]:
    """The roles, and every id declared, even by a role with other problems (so a level
    naming it is not reported too); None when the file could not be read."""
    path, items = _top(docs, "roles.yaml", "roles", c)
    declared: set[str] | None = None if items is None else set()
    out: list[Role] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(items or []):
        where = f"role {i + 1}"
        node = c.mapping(path, item, where, line_of(items, i))
        if node is None:
            continue
        if declared is not None and isinstance(node.get("id"), str):
            declared.add(node["id"].strip())
        if not c.keys(path, node, where, ("id", "name"),
                      ("aliases", "focus", "skills", "skills_as_written", "tasks")):
            continue
        role_id = c.text(path, node, "id", where)
        name = c.text(path, node, "name", where)
        if not role_id or not name:
            continue
        if not role_id.replace("_", "").isalnum() or not role_id.islower():
            c.add(path, line_of(node, "id"), f"role id {role_id!r} must be lower_snake_case")
        if role_id in seen:
            c.add(path, line_of(node, "id"),
                  f"duplicate role id {role_id!r} (first at line {seen[role_id]})")
            continue
        seen[role_id] = line_of(node, "id")
        where = f"role {role_id!r}"
        skills = c.texts(path, node, "skills", where)
        for j, skill in enumerate(skills):
            if skill_names is not None and skill not in skill_names:
                c.add(path, line_of(node["skills"], j),
                      f"{where}: unknown skill {skill!r} (not in skills.yaml)")
        focus = c.text(path, node, "focus", where)
        if focus is None and (skills or node.get("tasks")):
            c.add(path, line_of(node), f"{where} lists skills or tasks but has no 'focus'")
        out.append(Role(
            id=role_id, name=name, aliases=c.texts(path, node, "aliases", where), focus=focus,
            skills=skills,
            skills_as_written=c.text(path, node, "skills_as_written", where, required=False),
            tasks=c.texts(path, node, "tasks", where),
        ))
    if items is not None and not out and not items:
        c.add(path, _file_line(items), "no roles defined")
    return tuple(out), declared


def _build_levels(docs: dict[str, tuple[str, Any]], c: _Checker,
                  role_ids: set[str] | None) -> tuple[tuple[Level, ...], str]:
    path, items = _top(docs, "career.yaml", "levels", c, own_keys_check=True)
    doc = docs["career.yaml"][1]
    progression = ""
    if isinstance(doc, dict):
        c.keys(path, doc, "career.yaml", ("levels",), ("progression",))
        progression = c.text(path, doc, "progression", "career.yaml", required=False) or ""
    out: list[Level] = []
    placed: dict[str, str] = {}
    seen: set[str] = set()
    for i, item in enumerate(items or []):
        where = f"level {i + 1}"
        node = c.mapping(path, item, where, line_of(items, i))
        if node is None or not c.keys(path, node, where, ("id", "name", "word", "roles"),
                                      ("aliases",)):
            continue
        level_id = c.text(path, node, "id", where)
        name = c.text(path, node, "name", where)
        word = c.text(path, node, "word", where)
        if not level_id or not name or not word:
            continue
        if level_id in seen:
            c.add(path, line_of(node, "id"), f"duplicate level id {level_id!r}")
            continue
        seen.add(level_id)
        roles = c.texts(path, node, "roles", f"level {level_id!r}")
        for j, rid in enumerate(roles):
            if role_ids is not None and rid not in role_ids:
                c.add(path, line_of(node["roles"], j),
                      f"level {level_id!r}: unknown role {rid!r} (not in roles.yaml)")
            elif rid in placed:
                c.add(path, line_of(node["roles"], j),
                      f"role {rid!r} is in two levels ({placed[rid]!r} and {level_id!r})")
            placed[rid] = level_id
        aliases = c.texts(path, node, "aliases", f"level {level_id!r}")
        out.append(Level(level_id, name, word, aliases, roles))
    return tuple(out), progression


def _build_language(docs: dict[str, tuple[str, Any]], c: _Checker) -> Language | None:
    vocabulary = _build_vocabulary(docs, c)
    path, raw_concepts = _top(docs, "concepts.yaml", "concepts", c, dict)
    concepts: dict[str, tuple[str, ...]] = {}
    for name in raw_concepts or {}:
        concepts[str(name)] = c.texts(path, raw_concepts, name, f"concept {name!r}", non_empty=True)
    intents = _build_intents(docs, c, set(concepts))
    tpath, raw_templates = _top(docs, "templates.yaml", "templates", c, dict)
    templates: dict[str, str] = {}
    for key, value in (raw_templates or {}).items():
        if not isinstance(value, str):
            c.add(tpath, line_of(raw_templates, key), f"template {key!r} must be text")
            continue
        templates[str(key)] = value
    if raw_templates is not None:
        # checked here rather than only when the engine is built, so that the problem has
        # its file and line and comes with all the others
        from .engine import REQUIRED_TEMPLATES, TEMPLATE_FIELDS

        tdoc = docs["templates.yaml"][1]
        for key in REQUIRED_TEMPLATES:
            if key not in raw_templates:
                c.add(tpath, line_of(tdoc, "templates"), f"missing template {key!r}")
        for key, text in templates.items():
            for problem in template_problems(text, TEMPLATE_FIELDS):
                c.add(tpath, line_of(raw_templates, key), f"template {key!r}: {problem}")
    settings: dict[str, float] = {}
    ipath, idoc = docs["intents.yaml"]
    raw_settings = idoc.get("settings") if isinstance(idoc, dict) else None
    if raw_settings is not None and not isinstance(raw_settings, dict):
        c.add(ipath, line_of(idoc, "settings"), f"'settings' must be a mapping, got {_kind(raw_settings)}")
        raw_settings = None
    for key, value in (raw_settings or {}).items():
        number = _number(value)
        if number is None:
            c.add(ipath, line_of(raw_settings, key), f"setting {key!r} must be a number")
            continue
        settings[str(key)] = number
    neutral: frozenset[str] = frozenset()
    if isinstance(idoc, dict):
        neutral = frozenset(c.texts(ipath, idoc, "neutral_concepts", "intents.yaml"))
        for name in sorted(neutral - set(concepts)):
            c.add(ipath, line_of(idoc, "neutral_concepts"), f"neutral_concepts: unknown concept {name!r}")
    anchors, unanchored = _anchors(ipath, idoc, c, set(concepts) | set(COMPUTED_FEATURES))
    answering = _build_answering(docs, c, templates)
    if vocabulary is None:
        return None
    return Language(FrozenMap(concepts), FrozenMap(intents), FrozenMap(templates), vocabulary,
                    FrozenMap(settings), neutral, anchors, unanchored, answering)


# the refusal kinds the engine chooses itself (no phrases); the others need phrases
ENGINE_REFUSALS = ("unknown_role", "unknown_role_one", "unknown_skill", "no_referent", "default")
ANSWER_CUES = ("all_of", "except", "enough", "same_person", "define")
# follow-up templates a refusal may name beside the ask_* ones of templates.yaml
REFUSAL_FOLLOW_UPS = ("list_roles", "career_path", "ask_common_skills")


def _build_answering(docs: dict[str, tuple[str, Any]], c: _Checker, templates: dict[str, str]) -> Answering:
    """answers.yaml: refusal kinds, answer cues, pick words and see-also skills."""
    path, doc = docs["answers.yaml"]
    if doc is _BROKEN:
        return Answering()
    if not isinstance(doc, dict):
        c.add(path, _file_line(doc), "the file must be a mapping")
        return Answering()
    c.keys(path, doc, "answers.yaml", ("refusals",), ("cues", "picks", "see_also"))
    from .engine import TEMPLATE_FIELDS

    kinds: list[RefusalKind] = []
    raw = c.mapping(path, doc.get("refusals", {}), "'refusals'", line_of(doc, "refusals")) or {}
    for kind_id, node in raw.items():
        where = f"refusal {kind_id!r}"
        spec = c.mapping(path, node, where, line_of(raw, kind_id))
        if spec is None or not c.keys(path, spec, where, ("line",), ("phrases", "suggest")):
            continue
        line = c.text(path, spec, "line", where) or ""
        for problem in template_problems(line, TEMPLATE_FIELDS):
            c.add(path, line_of(spec, "line"), f"{where}: {problem}")
        phrases = c.texts(path, spec, "phrases", where)
        if kind_id in ENGINE_REFUSALS and phrases:
            c.add(path, line_of(spec, "phrases"), f"{where}: the engine picks this kind; it takes no phrases")
        elif kind_id not in ENGINE_REFUSALS and not phrases:
            c.add(path, line_of(spec, "phrases") or line_of(raw, kind_id), f"{where} lists no phrases")
        suggest = c.texts(path, spec, "suggest", where)
        for i, key in enumerate(suggest):
            if key not in templates and key not in REFUSAL_FOLLOW_UPS:
                c.add(path, line_of(spec["suggest"], i),
                      f"{where}: unknown follow-up {key!r} (an ask_* template, or one of "
                      f"{', '.join(REFUSAL_FOLLOW_UPS)})")
        kinds.append(RefusalKind(str(kind_id), phrases, line, suggest))
    if raw and "default" not in raw:
        c.add(path, line_of(doc, "refusals"), "refusals: missing the 'default' kind")
    cues: dict[str, tuple[str, ...]] = {}
    raw_cues = c.mapping(path, doc.get("cues") or {}, "'cues'", line_of(doc, "cues")) or {}
    c.keys(path, raw_cues, "cues", (), ANSWER_CUES)
    for name in ANSWER_CUES:
        cues[name] = c.texts(path, raw_cues, name, f"cue {name!r}")
    raw_picks = c.mapping(path, doc.get("picks") or {}, "'picks'", line_of(doc, "picks")) or {}
    c.keys(path, raw_picks, "picks", (), ("confirm", "around"))
    see_also: dict[str, tuple[str, ...]] = {}
    raw_see = c.mapping(path, doc.get("see_also") or {}, "'see_also'", line_of(doc, "see_also")) or {}
    for skill in raw_see:
        see_also[str(skill)] = c.texts(path, raw_see, skill, f"see_also {skill!r}", non_empty=True)
    return Answering(
        tuple(kinds), FrozenMap(cues), FrozenMap(see_also),
        frozenset(w.lower() for w in c.texts(path, raw_picks, "confirm", "picks")),
        frozenset(w.lower() for w in c.texts(path, raw_picks, "around", "picks")),
    )


def _check_answering_facts(docs: dict[str, tuple[str, Any]], answering: Answering, facts: Facts,
                           c: _Checker) -> None:
    """An entry of see_also whose skill the facts have must name skills they have: those of
    a cross-role line. Entries for skills of other notes are left alone."""
    path, doc = docs["answers.yaml"]
    raw = doc.get("see_also") if isinstance(doc, dict) else None
    if not isinstance(raw, dict):
        return
    for skill, names in answering.see_also.items():
        if skill not in facts.skill_by_name:
            continue  # an entry for other notes (the built-in language serves every base)
        for i, name in enumerate(names):
            if name not in facts.skill_by_name:
                c.add(path, line_of(raw[skill], i), f"see_also {skill!r}: unknown skill {name!r} (not in skills.yaml)")


def _anchors(path: str, doc: Any, c: _Checker, known_features: set[str]) -> tuple[frozenset[str], frozenset[str]]:
    """intents.yaml's `anchors: {features: [...], unanchored: [...]}`."""
    node = doc.get("anchors") if isinstance(doc, dict) else None
    if node is None:
        return frozenset(), frozenset()
    spec = c.mapping(path, node, "anchors", line_of(doc, "anchors"))
    if spec is None or not c.keys(path, spec, "anchors", ("features",), ("unanchored",)):
        return frozenset(), frozenset()
    features = c.texts(path, spec, "features", "anchors")
    unanchored = c.texts(path, spec, "unanchored", "anchors")
    for key, listed, known in (("features", features, known_features), ("unanchored", unanchored, set(INTENT_IDS))):
        for i, name in enumerate(listed):
            if name not in known:
                c.add(path, line_of(spec[key], i), f"anchors: {key}: unknown {name!r}")
    return frozenset(features), frozenset(unanchored)


def _build_vocabulary(docs: dict[str, tuple[str, Any]], c: _Checker) -> Vocabulary | None:
    path, doc = docs["vocabulary.yaml"]
    if doc is _BROKEN:
        return None
    if not isinstance(doc, dict):
        c.add(path, _file_line(doc), "the file must be a mapping")
        return None
    lists = ("stopwords", "common_words", "pronouns", "role_head_words", "skill_nouns",
             "skill_verbs", "yes_no_starts", "determiners", "pick_words", "pair_ordinals")
    reading_cues = ("question_words", "imperatives", "fillers", "possessives", "place_words")
    c.keys(path, doc, "vocabulary.yaml", lists + ("rewrites", "ordinals"), reading_cues)

    def words(key: str) -> frozenset[str]:
        return frozenset(w.lower() for w in c.texts(path, doc, key, "vocabulary.yaml"))

    def table(key: str, convert: Callable[[Any], Any], wanted: str) -> dict[str, Any]:
        """A mapping of words to values; `convert` returns None for a bad value."""
        raw = doc.get(key) or {}
        if not isinstance(raw, dict):
            c.add(path, line_of(doc, key), f"{key!r} must be a mapping")
            return {}
        out = {}
        for k, v in raw.items():
            if not isinstance(k, str):
                c.add(path, line_of(raw, k), f"{key!r}: the word {k!r} reads as {_kind(k)}; put it in quotes")
                continue
            value = convert(v)
            if value is None:
                c.add(path, line_of(raw, k), f"{key!r}: the value of {k!r} must be {wanted}, got {_kind(v)}")
                continue
            too_long = _rewrite_too_long(value) if key == "rewrites" else None
            if too_long:
                c.add(path, line_of(raw, k), f"{key!r}: the value of {_shown(k)} is {too_long}")
                continue
            out[k.lower()] = value
        return out

    return Vocabulary(
        stopwords=words("stopwords"), common_words=words("common_words"),
        rewrites=FrozenMap(table("rewrites", _rewrite, "text")),
        pronouns=words("pronouns"), role_head_words=words("role_head_words"),
        skill_nouns=words("skill_nouns"), skill_verbs=words("skill_verbs"),
        ordinals=FrozenMap(table("ordinals", _ordinal, f"1 to {MAX_ORDINAL}, or -1 for the last")),
        yes_no_starts=words("yes_no_starts"),
        determiners=words("determiners"), pick_words=words("pick_words"), pair_ordinals=words("pair_ordinals"),
        question_words=words("question_words"), imperatives=words("imperatives"), fillers=words("fillers"),
        possessives=words("possessives"), place_words=words("place_words"),
    )


def _rewrite(value: Any) -> str | None:
    return value.lower() if isinstance(value, str) else None


# A rewrite replaces one word of every question, after the question is cut to its length
# limit: a long value would multiply every question (10,000 words per "zq"). The built-in
# values are at most 3 words and 10 characters.
MAX_REWRITE_WORDS = 5
MAX_REWRITE_CHARS = 60


def _rewrite_too_long(value: str) -> str | None:
    """Why the rewrite value `value` is too long, or None."""
    if len(value) > MAX_REWRITE_CHARS:
        return f"{len(value):,} characters long (at most {MAX_REWRITE_CHARS}: a rewrite is a few words)"
    words = len(value.split())
    if words > MAX_REWRITE_WORDS:
        return f"{words:,} words long (at most {MAX_REWRITE_WORDS}: a rewrite is a few words)"
    return None


def _shown(word: str) -> str:
    """`word` for a message: repr, cut to 40 characters."""
    return repr(word) if len(word) <= 40 else repr(word[:37] + "...")


def _ordinal(value: Any) -> int | None:
    """A list position: 1 to MAX_ORDINAL, or -1 for "the last" (not true, 0, -5, 10**32)."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if value == -1 or 1 <= value <= MAX_ORDINAL else None


def _build_intents(docs: dict[str, tuple[str, Any]], c: _Checker,
                   concepts: set[str]) -> dict[str, IntentSpec]:
    path, raw = _top(docs, "intents.yaml", "intents", c, dict, own_keys_check=True)
    doc = docs["intents.yaml"][1]
    if isinstance(doc, dict):
        c.keys(path, doc, "intents.yaml", ("intents",), ("settings", "neutral_concepts", "anchors"))
    known_features = concepts | set(COMPUTED_FEATURES)
    out: dict[str, IntentSpec] = {}
    for intent_id, node in (raw or {}).items():
        where = f"intent {intent_id!r}"
        if intent_id not in INTENT_IDS:
            c.add(path, line_of(raw, intent_id),
                  f"unknown intent {intent_id!r} (the contract's ids: {', '.join(INTENT_IDS)})")
            continue
        spec = c.mapping(path, node, where, line_of(raw, intent_id))
        if spec is None or not c.keys(path, spec, where, ("weights",),
                                      ("requires", "forbids", "takes_roles", "examples", "cues")):
            continue
        weights: dict[str, float] = {}
        raw_weights = spec.get("weights") or {}
        if not isinstance(raw_weights, dict):
            c.add(path, line_of(spec, "weights"), f"{where}: 'weights' must be a mapping")
            raw_weights = {}
        for feature, weight in raw_weights.items():
            number = _number(weight)
            if feature not in known_features:
                c.add(path, line_of(raw_weights, feature), f"{where}: unknown feature {feature!r}")
            elif number is None:
                c.add(path, line_of(raw_weights, feature),
                      f"{where}: weight of {feature!r} must be a number")
            else:
                weights[feature] = number
        groups: list[tuple[str, ...]] = []
        raw_requires = spec.get("requires") or []
        if not isinstance(raw_requires, list):
            c.add(path, line_of(spec, "requires"), f"{where}: 'requires' must be a list of lists")
            raw_requires = []
        for i, group in enumerate(raw_requires):
            members = group if isinstance(group, list) else [group]
            for feature in members:
                # a nested list or mapping is not hashable (and may be an alias bomb): test
                # its type before looking it up, and never write it into the message
                if not isinstance(feature, str):
                    c.add(path, line_of(raw_requires, i),
                          f"{where}: 'requires' items must be feature names, got {_kind(feature)}")
                elif feature not in known_features:
                    c.add(path, line_of(raw_requires, i),
                          f"{where}: requires unknown feature {feature!r}")
            groups.append(tuple(f for f in members if isinstance(f, str)))
        forbids = c.texts(path, spec, "forbids", where)
        cues = c.texts(path, spec, "cues", where)
        for key, listed in (("forbids", forbids), ("cues", cues)):
            for i, feature in enumerate(listed):
                if feature not in known_features:
                    c.add(path, line_of(spec[key], i), f"{where}: {key} unknown feature {feature!r}")
        takes = c.text(path, spec, "takes_roles", where, required=False) or "none"
        if takes not in TAKES_ROLES:
            c.add(path, line_of(spec, "takes_roles"),
                  f"{where}: 'takes_roles' must be one of {', '.join(TAKES_ROLES)}")
        out[intent_id] = IntentSpec(intent_id, FrozenMap(weights), tuple(groups), forbids, takes,
                                    c.texts(path, spec, "examples", where), cues)
    for intent_id in INTENT_IDS:
        if raw is not None and intent_id not in out and intent_id not in raw:
            c.add(path, line_of(raw), f"intent {intent_id!r} is not defined")
    return out
