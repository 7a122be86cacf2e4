"""Slash commands. Each returns a `Result`, the same shape as an answer, so the REPL prints
both through one path (as litecli's special commands do)."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .. import __version__
from ..records import replace
from ..understanding.context import Context
from .display import Blank, Display, Heading, Items, Pairs, Part, Result, Text, message
from .state import State

Handler = Callable[[State, Display, str], Result]


@dataclass(frozen=True)
class Command:
    name: str
    usage: str
    help: str
    handler: Handler


def examples(state: State, count: int = 3) -> list[str]:
    """Example questions from the knowledge base, spread over its intents, each about
    different roles where possible."""
    # filled from the facts by the engine; a real question, not small talk ("Hi")
    filled = (state.bot.composer.example(intent) for intent in state.bot.knowledge.language.intents)
    found = [e for e in filled if e and len(e.split()) > 2]
    if len(found) <= count:
        return found
    step = len(found) / count
    spread = [int(i * step) for i in range(count)]
    order = spread + [i for i in range(len(found)) if i not in spread]
    names = [r.name.lower() for r in state.bot.knowledge.facts.roles]

    def roles_in(question: str) -> set[str]:
        return {n for n in names if n in question.lower()}

    picked: list[str] = []
    seen: set[str] = set()
    for i in order:
        if len(picked) < count and not roles_in(found[i]) & seen:
            picked.append(found[i])
            seen |= roles_in(found[i])
    for i in order:  # too few different ones: fill up in order
        if len(picked) < count and found[i] not in picked:
            picked.append(found[i])
    return picked


def banner(state: State) -> Result:
    facts = state.bot.knowledge.facts
    described = sum(1 for r in facts.roles if r.in_table)
    path_only = len(facts.roles) - described
    knows = (f"I know {described} roles"
             + (f" (and {path_only} more named in the career path)" if path_only else "")
             + f", {len(facts.skills)} skills and a {len(facts.levels)}-level career path.")
    parts: list[Part] = [
        Heading(f"mlbot {__version__} · questions about the notes on {facts.title}"),
        Text(knows),
        Items(tuple(examples(state)), label="Try asking:"),
        Text("Tab completes names · ↑ and Ctrl-R search history · /help lists commands · "
             "Ctrl-D or /quit leaves", "class:dim"),
    ]
    return Result(tuple(parts))


def cmd_help(state: State, display: Display, arg: str) -> Result:
    keys = (("Tab", "complete a role, skill or command (fuzzy, anywhere in the sentence)"),
            ("→ / Ctrl-E", "accept the grey suggestion from history"),
            ("↑ / ↓", "walk the history"),
            ("Ctrl-R", "search the history"),
            ("Ctrl-C", "clear the line"),
            ("Ctrl-D", "leave"),
            ("1, 2, ...", "after \"Which role do you mean?\", pick a choice by its number"))
    return Result((
        Heading("Ask a question in your own words, or use a command:"),
        Pairs(tuple((c.usage, c.help) for c in COMMANDS)),
        Blank(),
        Pairs(keys, label="Keys:"),
        Blank(),
        Items(tuple(examples(state, 5)), label="Example questions:"),
    ))


def cmd_roles(state: State, display: Display, arg: str) -> Result:
    facts = state.bot.knowledge.facts
    items = []
    for role in facts.roles:
        level_id = facts.level_of_role.get(role.id, "")
        level = facts.level_by_id[level_id].name if level_id in facts.level_by_id else ""
        about = role.focus or "named only in the career path"
        items.append(f"{role.name}" + (f" ({level})" if level else "") + f": {about}")
    label = f"The notes name {len(items)} roles:"
    # "tell me more about number 6" picks from this list, as from a list answer
    state.context = replace(state.context or Context(), listed=tuple(role.id for role in facts.roles), roles=(),
                            pending=None,
                            intent="list_roles", suggestions=())
    return Result((Items(tuple(items), label=label, numbered=True),))


def cmd_skills(state: State, display: Display, arg: str) -> Result:
    facts = state.bot.knowledge.facts
    items = []
    for skill in facts.skills:
        holders = [r.name for r in facts.roles if skill.name in r.skills]
        common = any(skill.name in c.skills for c in facts.common_skills)
        where = ", ".join(holders)
        if common:
            where = (where + "; " if where else "") + "needed across roles"
        items.append(f"{skill.name}: {where or 'named in the notes'}")
    return Result((Items(tuple(items), label=f"The notes name {len(items)} skills:"),))


def cmd_path(state: State, display: Display, arg: str) -> Result:
    facts = state.bot.knowledge.facts
    parts: list[Part] = [Heading("The career path in the notes:"), display.ladder()]
    if facts.progression:
        parts.append(Text(facts.progression))
    return Result(tuple(parts))


def cmd_reset(state: State, display: Display, arg: str) -> Result:
    state.reset()
    return message("Forgotten: the next question starts a new conversation.", "class:dim")


def cmd_why(state: State, display: Display, arg: str) -> Result:
    if state.last is None:
        return message("Nothing to explain yet: ask a question first.", "class:dim")
    return Result((Text(f"Why the answer to \"{state.last.question}\":", "class:heading"),
                   display.explanation(state.last)))


def cmd_explain(state: State, display: Display, arg: str) -> Result:
    state.explain = not state.explain
    return message("Explanations on: every answer says why." if state.explain
                   else "Explanations off (/why still explains the last answer).", "class:dim")


ALL_OPTION = "--all"
PYTEST_SUFFIX = ".chat.yaml"  # what the pytest plugin collects (bot.testing.pytest_plugin)


def cmd_save_test(state: State, display: Display, arg: str) -> Result:
    """`/save-test FILE`: the current conversation (since the last /reset), the one a user
    just checked; `/save-test --all FILE`: the whole session, one conversation per /reset."""
    whole_session = arg == ALL_OPTION or arg.startswith(ALL_OPTION + " ")
    if whole_session:
        arg = arg[len(ALL_OPTION):].strip()
    if not arg:
        return message(f"Usage: /save-test [{ALL_OPTION}] FILE  (writes this conversation, or with "
                       f"{ALL_OPTION} the whole session, as a canned test)", error=True)
    conversations = [c for c in state.conversations if c] if whole_session else [state.conversations[-1]]
    if not any(conversations):
        if state.turns:
            return message(f"Nothing asked since /reset; /save-test {ALL_OPTION} FILE saves the "
                           "whole session.", "class:dim")
        return message("Nothing to save yet: ask a question first.", "class:dim")
    path = Path(os.path.expanduser(arg))
    if path.exists():
        return message(f"{arg} already exists; give another file name.", error=True)
    # imported here, not before the first prompt: the test writer brings in yaml (~8 ms)
    from datetime import datetime

    from ..testing.recording import dump_test_file

    stamp = datetime.now().strftime("%Y-%m-%d %H:%M")
    named = [(f"repl session {stamp}" + (f" #{i}" if len(conversations) > 1 else ""), answers)
             for i, answers in enumerate(conversations, 1)]
    try:
        # "x": never overwrite a file that appeared since the check above
        with open(path, "x", encoding="utf-8") as f:
            f.write(dump_test_file(named))
    except OSError as error:
        return message(f"Cannot write {arg}: {error.strerror or error}", error=True)
    turns = sum(len(a) for a in conversations)
    parts = [Text(f"Wrote {turns} turn(s) in {len(conversations)} conversation(s) to {arg}; "
                  f"run it with: mlbot test {arg}")]
    if not path.name.endswith(PYTEST_SUFFIX):
        parts.append(Text(f"Note: pytest collects only *{PYTEST_SUFFIX} files, so it will not run "
                          f"this one; name it like session{PYTEST_SUFFIX} for that.", "class:warning"))
    return Result(tuple(parts))


def cmd_quit(state: State, display: Display, arg: str) -> Result:
    return Result((), quit=True)


COMMANDS: tuple[Command, ...] = (
    Command("/help", "/help", "this help", cmd_help),
    Command("/roles", "/roles", "the roles the notes name", cmd_roles),
    Command("/skills", "/skills", "the skills, and which roles list them", cmd_skills),
    Command("/path", "/path", "the career path as a ladder", cmd_path),
    Command("/reset", "/reset", "forget the conversation so far (start afresh)", cmd_reset),
    Command("/why", "/why",
            "explain the last answer (intent, runner-up, matched words, notes used)", cmd_why),
    Command("/explain", "/explain", "toggle explaining every answer", cmd_explain),
    Command("/save-test", f"/save-test [{ALL_OPTION}] FILE",
            f"write this conversation ({ALL_OPTION}: the whole session) as a canned test file",
            cmd_save_test),
    Command("/quit", "/quit", "leave (also Ctrl-D)", cmd_quit),
)
_BY_NAME = {c.name: c for c in COMMANDS}
_ALIASES = {"/exit": "/quit", "/q": "/quit", "/?": "/help", "/h": "/help"}


def run_command(state: State, display: Display, line: str) -> Result:
    """Run one slash command line ("/save-test out.yaml")."""
    name, _, arg = line.strip().partition(" ")
    name = _ALIASES.get(name.lower(), name.lower())
    command = _BY_NAME.get(name)
    if command is None:
        # an unambiguous beginning is enough: "/pa" is /path; an ambiguous one lists its choices
        starting = [c for c in COMMANDS if c.name.startswith(name)] if len(name) > 1 else []
        if len(starting) > 1:
            names = ", ".join(c.name for c in starting)
            return message(f"{name} could be any of: {names}. Type more of the name.", error=True)
        command = starting[0] if starting else None
    if command is None:
        from rapidfuzz import fuzz, process  # only for a mistyped command, after the first prompt

        guess = process.extractOne(name, list(_BY_NAME), scorer=fuzz.ratio, score_cutoff=60)
        hint = f" Did you mean {guess[0]}?" if guess else ""
        return message(f"Unknown command {name}.{hint} /help lists the commands.", error=True)
    return command.handler(state, display, arg.strip())
