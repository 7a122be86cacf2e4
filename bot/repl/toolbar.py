"""The bottom toolbar: what the conversation is about, and the keys worth knowing."""

from __future__ import annotations

from prompt_toolkit.formatted_text import StyleAndTextTuples
from prompt_toolkit.formatted_text.utils import fragment_list_width
from prompt_toolkit.utils import get_cwidth

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


KEYS = (("Tab", "complete"), ("Ctrl-R", "search"), ("/help", ""), ("Ctrl-D", "quit"))
SHED_FIRST = ("Ctrl-R", "Tab", "/help", "Ctrl-D")  # on a narrow terminal, how to leave stays longest
ELLIPSIS = "…"


def _keys(keys: list[tuple[str, str]]) -> StyleAndTextTuples:
    out: StyleAndTextTuples = []
    for number, (key, what) in enumerate(keys):
        out += [("", "  │ " if number == 0 else "  "), ("class:toolbar.key", key)]
        if what:
            out.append(("", f" {what}"))
    return out


def _tails(state: State) -> list[StyleAndTextTuples]:
    """What may follow the context, widest first: the hint, or the keys, fewer and fewer."""
    if state.hint:
        return [[("", "  │ "), ("class:toolbar.key", state.hint)], []]
    return [_keys([k for k in KEYS if k[0] not in SHED_FIRST[:shed]]) for shed in range(len(KEYS) + 1)]


def toolbar(state: State, width: int | None = None) -> StyleAndTextTuples:
    """The toolbar's fragments, at most `width` columns wide: a terminal cuts a longer line
    off at its edge, mid-word. Key hints go first, from the last; then the context is cut."""
    about = safe(context_words(state)) or "nothing yet"
    flags: StyleAndTextTuples = [("", " · explain on")] if state.explain else []

    def line(context: str, tail: StyleAndTextTuples) -> StyleAndTextTuples:
        return [("", " talking about: "), ("class:toolbar.context", context), *flags, *tail, ("", " ")]

    for tail in _tails(state):
        out = line(about, tail)
        if width is None or fragment_list_width(out) <= width:
            return out
    room = max(0, (width or 0) - fragment_list_width(line("", [])) - len(ELLIPSIS))
    return line(_cut(about, room) + ELLIPSIS, [])


def _cut(text: str, columns: int) -> str:
    """The longest beginning of `text` that takes at most `columns` columns, ending after a
    whole name of the list where one fits."""
    cut = text
    while cut and get_cwidth(cut) > columns:
        cut = cut[:-1]
    if cut != text and ", " in cut:
        cut = cut[:cut.rindex(", ") + 2]
    return cut
