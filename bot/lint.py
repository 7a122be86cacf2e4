"""Warnings for a knowledge base that loads but is probably wrong."""

from __future__ import annotations

from typing import Any

from .loader import Problem
from .model import Facts


def likely_mistakes(facts: Facts, docs: dict[str, tuple[str, Any]]) -> list[Problem]:
    """Shared aliases, skills spelled two ways, roles in no level. `docs` maps a facts file
    name to (path, parsed YAML)."""
    out: list[Problem] = []
    roles_path = docs["roles.yaml"][0]
    skills_path = docs["skills.yaml"][0]
    owners: dict[str, str] = {}
    for role in facts.roles:
        for alias in (role.name, *role.aliases):
            key = " ".join(alias.lower().split())
            if key in owners and owners[key] != role.id:
                out.append(Problem(roles_path, 0, f"alias {alias!r} names both {owners[key]!r} and {role.id!r}", True))
            owners.setdefault(key, role.id)
        if role.id not in facts.level_of_role:
            out.append(Problem(roles_path, 0, f"role {role.id!r} is in no career level", True))
    spelled: dict[str, str] = {}
    for skill in facts.skills:
        for alias in (skill.name, *skill.aliases):
            folded = "".join(ch for ch in alias.lower() if ch.isalnum())
            if folded in spelled and spelled[folded] != skill.name:
                out.append(Problem(skills_path, 0, f"skill {skill.name!r} and {spelled[folded]!r} are spelled alike ({alias!r})", True))
            spelled.setdefault(folded, skill.name)
    return out
