"""Warnings for a knowledge base that loads but is probably wrong.

The loader reports errors (a knowledge base that cannot be used); these are the likely
mistakes of one that can: two roles answering to the same name, a skill spelled two ways,
a role in no career level, a level with no roles, a skill nothing uses, a "skills as
written" line that forgets a skill... Each names the file and line to look at, taken from
the parsed documents (`MarkedDict` / `MarkedList` of `bot.yamlsource`).

Nothing here knows any role, skill or level by name: every check is about the shape of
the facts, so it serves any knowledge base.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .loader import Problem
from .model import Facts, Role
from .understanding.normalise import split_words
from .yamlsource import line_of

ROLE, SKILL, LEVEL, DOMAIN = "role", "skill", "level", "domain"


def phrase_key(text: str) -> tuple[str, ...]:
    """How the matcher sees a name: its words, lower case ("Foo-Bar" == "foo bar")."""
    return tuple(word.lower() for word in split_words(text))


def spelling_key(text: str) -> str:
    """A name with case, spaces and punctuation folded away ("Foo Bar" == "FooBar")."""
    return "".join(ch for ch in text.lower() if ch.isalnum())


def mentions(text: str, names: Iterable[str]) -> bool:
    """True when `text` contains one of `names` as whole words (case-insensitive)."""
    words = phrase_key(text)
    for name in names:
        part = phrase_key(name)
        starts = range(len(words) - len(part) + 1)
        if part and any(words[i : i + len(part)] == part for i in starts):
            return True
    return False


@dataclass(frozen=True)
class _Name:
    """One way of naming something of the knowledge base, and where it is written."""

    kind: str  # role | skill | level | domain
    key: str  # role id, skill name, level id, "" for the domain
    text: str  # as written
    path: str
    line: int


class _Docs:
    """Find the parsed YAML node of a role, skill or level, to point at its lines."""

    def __init__(self, docs: dict[str, tuple[str, Any]]) -> None:
        self.roles_path, self.roles = self._items(docs, "roles.yaml", "roles")
        self.skills_path, self.skills = self._items(docs, "skills.yaml", "skills")
        self.career_path, self.levels = self._items(docs, "career.yaml", "levels")
        self.notes_path, notes = docs.get("notes.yaml", ("notes.yaml", None))
        self.notes: dict[Any, Any] = notes if isinstance(notes, dict) else {}
        self.item_lines = _ItemLines()
        self.role_nodes = self._by(self.roles, "id")
        self.skill_nodes = self._by(self.skills, "name")
        self.level_nodes = self._by(self.levels, "id")

    @staticmethod
    def _items(docs: dict[str, tuple[str, Any]], name: str, key: str) -> tuple[str, list[Any]]:
        path, doc = docs.get(name, (name, None))
        items = doc.get(key) if isinstance(doc, dict) else None
        return path, items if isinstance(items, list) else []

    @staticmethod
    def _by(items: list[Any], key: str) -> dict[str, dict[Any, Any]]:
        out: dict[str, dict[Any, Any]] = {}
        for item in items:
            if isinstance(item, dict) and isinstance(item.get(key), str):
                out.setdefault(item[key].strip(), item)
        return out


def _warn(path: str, line: int, message: str) -> Problem:
    return Problem(path, line, message, warning=True)


def _line(node: Any, key: str | None = None) -> int:
    return line_of(node, key) if node is not None else 0


class _ItemLines:
    """The lines of the items of the lists in the parsed documents, indexed by text: asking
    for the line of each of n aliases is then O(n), not O(n**2) as a scan per alias was."""

    def __init__(self) -> None:
        self._index: dict[tuple[int, str], dict[str, list[int]]] = {}

    def line(self, node: Any, key: str, value: str, occurrence: int = 1) -> int:
        """Line of the `occurrence`-th item equal to `value` in the list `node[key]`, else
        of the key, else of the node."""
        if not isinstance(node, dict):
            return 0
        lines = self._lines(node, key).get(value, ())
        if len(lines) >= occurrence:
            return lines[occurrence - 1]
        return line_of(node, key)

    def _lines(self, node: dict[Any, Any], key: str) -> dict[str, list[int]]:
        # keyed by id(node): the parsed documents outlive this object
        cached = self._index.get((id(node), key))
        if cached is None:
            cached = {}
            items = node.get(key)
            if isinstance(items, list):
                for i, item in enumerate(items):
                    if isinstance(item, str):
                        cached.setdefault(item.strip(), []).append(line_of(items, i))
            self._index[(id(node), key)] = cached
        return cached


def _names(facts: Facts, d: _Docs) -> list[_Name]:
    """Every name, alias and level word, in file order, with its line."""
    out: list[_Name] = []
    for role in facts.roles:
        node = d.role_nodes.get(role.id)
        line = _line(node, "name")
        out.append(_Name(ROLE, role.id, role.name, d.roles_path, line))
        if "(" in role.name:  # the engine also knows "Name (qualifier)" as plain "Name"
            out.append(_Name(ROLE, role.id, role.name.split("(")[0], d.roles_path, line))
        out += [_Name(ROLE, role.id, alias, d.roles_path, d.item_lines.line(node, "aliases", alias))
                for alias in role.aliases]
    for skill in facts.skills:
        node = d.skill_nodes.get(skill.name)
        out.append(_Name(SKILL, skill.name, skill.name, d.skills_path, _line(node, "name")))
        out += [_Name(SKILL, skill.name, alias, d.skills_path, d.item_lines.line(node, "aliases", alias))
                for alias in skill.aliases]
    for level in facts.levels:
        node = d.level_nodes.get(level.id)
        out.append(_Name(LEVEL, level.id, level.name, d.career_path, _line(node, "name")))
        out.append(_Name(LEVEL, level.id, level.word, d.career_path, _line(node, "word")))
        out += [_Name(LEVEL, level.id, alias, d.career_path, d.item_lines.line(node, "aliases", alias))
                for alias in level.aliases]
    domain = d.notes.get("domain")
    for text in (facts.domain_name, *facts.domain_aliases):
        if text:
            if text == facts.domain_name:
                line = _line(domain, "name")
            else:
                line = d.item_lines.line(domain, "aliases", text)
            out.append(_Name(DOMAIN, "", text, d.notes_path, line))
    return out


def _label(name: _Name) -> str:
    if name.kind == DOMAIN:
        return "the field (notes.yaml domain)"
    return f"{name.kind} {name.key!r}"


def _clashes(facts: Facts, names: list[_Name]) -> list[Problem]:
    """One phrase naming two different things: the matcher can only pick one."""
    out: list[Problem] = []
    first: dict[tuple[str, ...], _Name] = {}
    reported: set[tuple[tuple[str, ...], str, str]] = set()
    role_names = {phrase_key(role.name) for role in facts.roles}
    for name in names:
        key = phrase_key(name.text)
        if not key:
            continue
        seen = first.setdefault(key, name)
        if (seen.kind, seen.key) == (name.kind, name.key) or seen.kind == name.kind == SKILL:
            continue  # two skills named alike are reported by _spellings
        pair = (key, f"{seen.kind}:{seen.key}", f"{name.kind}:{name.key}")
        if pair in reported:
            continue
        reported.add(pair)
        both = (
            f"{name.text!r} names both {_label(seen)} ({seen.path}:{seen.line}) "
            f"and {_label(name)}"
        )
        if {seen.kind, name.kind} == {ROLE, SKILL}:
            skill = facts.skill_by_name.get(seen.key if seen.kind == SKILL else name.key)
            if skill is not None and skill.also_names_role:
                continue  # declared: the words around it decide
            message = (
                f"{both}; if the skill is meant to share the role's name, "
                "set 'also_names_role: true' on the skill"
            )
        elif seen.kind == name.kind == ROLE and key in role_names and seen.text != name.text:
            message = (
                f"alias {name.text!r} of role {name.key!r} is the name of role "
                f"{seen.key!r} (line {seen.line})"
            )
        elif seen.kind == name.kind == ROLE:
            message = (
                f"alias {name.text!r} names both {seen.key!r} (line {seen.line}) "
                f"and {name.key!r}"
            )
        else:
            message = both
        out.append(_warn(name.path, name.line, message))
    return out


def _spellings(facts: Facts, d: _Docs) -> list[Problem]:
    """Two skills whose names differ only in case, spaces or punctuation."""
    out: list[Problem] = []
    spelled: dict[str, tuple[str, int]] = {}
    for skill in facts.skills:
        node = d.skill_nodes.get(skill.name)
        for text in (skill.name, *skill.aliases):
            if text == skill.name:
                line = _line(node, "name")
            else:
                line = d.item_lines.line(node, "aliases", text)
            folded = spelling_key(text)
            if not folded:
                continue
            if folded in spelled and spelled[folded][0] != skill.name:
                other, other_line = spelled[folded]
                out.append(_warn(
                    d.skills_path, line,
                    f"skill {skill.name!r} and {other!r} (line {other_line}) are spelled "
                    f"alike ({text!r}): one skill written two ways?",
                ))
            spelled.setdefault(folded, (skill.name, line))
    return out


def _role_checks(facts: Facts, d: _Docs) -> list[Problem]:
    out: list[Problem] = []
    # every skill name's words, by first word, built once: checking each role's
    # skills_as_written against every skill was roles x skills phrase_key calls
    by_first: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for skill in facts.skills:
        key = phrase_key(skill.name)
        if key:
            by_first.setdefault(key[0], []).append((key, skill.name))
    path = d.roles_path
    for role in facts.roles:
        node = d.role_nodes.get(role.id)
        where = f"role {role.id!r}"
        if role.id not in facts.level_of_role:
            out.append(_warn(
                path, _line(node, "id"),
                f"{where} is in no career level (add it to a level's roles in career.yaml)",
            ))
        for field_name, items in (("skills", role.skills), ("tasks", role.tasks)):
            counts: dict[str, int] = {}
            for item in items:
                counts[item] = counts.get(item, 0) + 1
                if counts[item] == 2:
                    out.append(_warn(
                        path, d.item_lines.line(node, field_name, item, 2),
                        f"{where} lists {item!r} twice in {field_name!r}",
                    ))
            if role.in_table and not items:
                out.append(_warn(
                    path, _line(node),
                    f"{where} has a 'focus' but no {field_name!r}: its answers would list nothing",
                ))
        if role.skills_as_written and not role.skills:
            out.append(_warn(
                path, _line(node, "skills_as_written"),
                f"{where} has 'skills_as_written' but no 'skills'",
            ))
        elif role.skills_as_written:
            out += _as_written(facts, role, path, _line(node, "skills_as_written"), by_first)
    return out


def _as_written(facts: Facts, role: Role, path: str, line: int,
                by_first: dict[str, list[tuple[tuple[str, ...], str]]]) -> list[Problem]:
    """`skills_as_written` is what answers quote; `skills` is what questions match. They
    should name the same skills."""
    out: list[Problem] = []
    written = role.skills_as_written or ""
    where = f"role {role.id!r}: 'skills_as_written'"
    for skill_name in role.skills:
        skill = facts.skill_by_name.get(skill_name)
        if not mentions(written, (skill_name, *(skill.aliases if skill else ()))):
            out.append(_warn(
                path, line, f"{where} does not mention {skill_name!r}, one of its 'skills'",
            ))
    words = phrase_key(written)
    found: set[str] = set()
    for i, word in enumerate(words):
        for key, name in by_first.get(word, ()):
            if words[i : i + len(key)] == key:
                found.add(name)
    for skill in facts.skills:  # in the order of skills.yaml, as before
        if skill.name in found and skill.name not in role.skills:
            out.append(_warn(
                path, line, f"{where} mentions {skill.name!r}, which is not in its 'skills'",
            ))
    return out


def _level_checks(facts: Facts, d: _Docs) -> list[Problem]:
    out: list[Problem] = []
    for level in facts.levels:
        if not level.roles:
            line = _line(d.level_nodes.get(level.id), "roles")
            out.append(_warn(d.career_path, line, f"level {level.id!r} has no roles"))
    return out


def _skill_checks(facts: Facts, d: _Docs, names: list[_Name]) -> list[Problem]:
    out: list[Problem] = []
    used = {s for role in facts.roles for s in role.skills}
    used |= {s for item in facts.common_skills for s in item.skills}
    role_phrases = {phrase_key(n.text) for n in names if n.kind == ROLE}
    for skill in facts.skills:
        node = d.skill_nodes.get(skill.name)
        if skill.name not in used:
            out.append(_warn(
                d.skills_path, _line(node, "name"),
                f"skill {skill.name!r} is not a key skill of any role nor in notes.yaml "
                "common_skills: no answer would mention it",
            ))
        spellings = {phrase_key(text) for text in (skill.name, *skill.aliases)}
        if skill.also_names_role and not spellings & role_phrases:
            out.append(_warn(
                d.skills_path, _line(node, "also_names_role"),
                f"skill {skill.name!r} has 'also_names_role: true' but no role is named like it",
            ))
    return out


def _common_checks(facts: Facts, d: _Docs) -> list[Problem]:
    """Each common_skills line should say the skills it lists."""
    out: list[Problem] = []
    raw = d.notes.get("common_skills")
    nodes = raw if isinstance(raw, list) else []
    by_text = {n["text"].strip(): n for n in nodes if isinstance(n, dict) and isinstance(n.get("text"), str)}
    for item in facts.common_skills:
        node = by_text.get(item.text)
        for skill_name in item.skills:
            skill = facts.skill_by_name.get(skill_name)
            if not mentions(item.text, (skill_name, *(skill.aliases if skill else ()))):
                out.append(_warn(
                    d.notes_path, d.item_lines.line(node, "skills", skill_name),
                    f"common_skills line {item.text!r} does not mention {skill_name!r}, "
                    "one of its 'skills'",
                ))
    return out


def likely_mistakes(facts: Facts, docs: dict[str, tuple[str, Any]]) -> list[Problem]:
    """Every likely mistake of a knowledge base that loads. `docs` maps a facts file name
    ("roles.yaml", ...) to (path, parsed YAML). Returns warnings, in file order."""
    d = _Docs(docs)
    names = _names(facts, d)
    out = _clashes(facts, names)
    out += _spellings(facts, d)
    out += _role_checks(facts, d)
    out += _level_checks(facts, d)
    out += _skill_checks(facts, d, names)
    out += _common_checks(facts, d)
    files = (d.roles_path, d.skills_path, d.career_path, d.notes_path)
    order = {path: i for i, path in enumerate(files)}
    return sorted(out, key=lambda p: (order.get(p.path, len(order)), p.line))
