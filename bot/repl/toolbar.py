"""The bottom toolbar: what the conversation is about, and the keys worth knowing."""

from __future__ import annotations

from prompt_toolkit.formatted_text import StyleAndTextTuples

from ..render import safe
from .state import State


def context_words(state: State) -> str:
    """The role names, skills or level the conversation is about, or '' when there are none."""
    context = state.context
    if context is None:
        return ""
    facts = state.bot.knowledge.facts
    if context.pending and context.listed:
        return f"choose 1–{len(context.listed)}"
    if context.roles:
        return ", ".join(facts.role_by_id[r].name for r in context.roles if r in facts.role_by_id)
    if context.skills:
        return ", ".join(context.skills)
    if context.level and context.level in facts.level_by_id:
        return facts.level_by_id[context.level].name
    return ""


def toolbar(state: State) -> StyleAndTextTuples:
    about = context_words(state)
    out: StyleAndTextTuples = [("", " talking about: "),
                               ("class:toolbar.context", safe(about) or "nothing yet")]
    if state.explain:
        out.append(("", " · explain on"))
    if state.hint:
        out += [("", "  │ "), ("class:toolbar.key", state.hint)]
    else:
        keys = (("Tab", "complete"), ("Ctrl-R", "search"), ("/help", ""), ("Ctrl-D", "quit"))
        for key, what in keys:
            out += [("", "  │ " if key == "Tab" else "  "), ("class:toolbar.key", key)]
            if what:
                out.append(("", f" {what}"))
    out.append(("", " "))
    return out
