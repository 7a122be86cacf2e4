"""The REPL's logic, driven through prompt_toolkit's pipe input with a DummyOutput: what each
line typed produces, the commands, Ctrl-C / Ctrl-D, history and faults."""

from __future__ import annotations

import os
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import yaml
from prompt_toolkit.data_structures import Size
from prompt_toolkit.formatted_text import StyleAndTextTuples, fragment_list_to_text
from prompt_toolkit.history import InMemoryHistory
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from prompt_toolkit.output.vt100 import Vt100_Output

from bot.engine import Bot
from bot.repl.app import Repl, color_wanted
from bot.repl.commands import COMMANDS
from bot.repl.history import SafeHistory, history_path
from bot.repl.toolbar import toolbar
from bot.understanding.context import Context

ENTER, CTRL_C, CTRL_D = "\r", "\x03", "\x04"


class Session:
    """The outcome of one REPL run: exit status, everything printed, the Repl itself."""

    def __init__(self, status: int, printed: list[str], repl: Repl) -> None:
        self.status, self.printed, self.repl = status, printed, repl

    @property
    def text(self) -> str:
        return "".join(self.printed)

    @property
    def state(self) -> Any:
        return self.repl.state


def drive(bot: Bot, *lines: str, keys: str = "", history: Any = None, **options: Any) -> Session:
    """Type each line and Enter (then `keys`, then Ctrl-D) into a fresh REPL."""
    printed: list[str] = []

    def write(fragments: StyleAndTextTuples) -> None:
        printed.append(fragment_list_to_text(fragments))

    with create_pipe_input() as pipe:
        pipe.send_text("".join(line + ENTER for line in lines) + keys + CTRL_D)
        repl = Repl(bot, color=False, input=pipe, output=DummyOutput(),
                    history=history if history is not None else InMemoryHistory(), write=write,
                    **options)
        status = repl.run()
    return Session(status, printed, repl)


@pytest.fixture
def facts(bot: Bot) -> Any:
    return bot.knowledge.facts


# --- asking -------------------------------------------------------------------------------
def test_question_and_follow_up_keep_the_context(bot: Bot, facts: Any) -> None:
    role = facts.role_by_id["mlops_engineer"]
    s = drive(bot, "what does an mlops engineer do", "what skills do they need?")
    assert s.status == 0
    first, second = s.state.conversations[0]
    assert first.roles == second.roles == (role.id,)
    assert second.intent == "role_skills"
    assert role.focus in s.text
    for skill in role.skills:
        assert f"• {skill}" in s.text
    assert f"talking about: {role.name}" in fragment_list_to_text(toolbar(s.state))


def test_banner_says_what_it_knows_and_how_to_get_help_and_leave(bot: Bot, facts: Any) -> None:
    s = drive(bot)
    banner = s.printed[0]
    assert facts.title in banner
    assert f"{sum(r.in_table for r in facts.roles)} roles" in banner
    assert banner.count("•") == 3  # three example questions
    assert "{" not in banner and "}" not in banner  # filled from the facts, no placeholder left
    assert "/help" in banner and "Ctrl-D" in banner
    assert len(banner.splitlines()) < 24  # one screen


def test_clarifying_question_lists_numbered_choices_and_a_number_picks(bot: Bot) -> None:
    s = drive(bot, "what does an engineer do", "2")
    clarify, picked = s.state.conversations[0]
    assert clarify.roles == () and clarify.context.listed
    assert "1. " in s.printed[1] and "Type a number" in s.printed[1]
    assert picked.roles == (clarify.context.listed[1],)


def test_empty_lines_are_ignored(bot: Bot) -> None:
    s = drive(bot, "", "   ", "hi")
    assert s.state.turns == 1


# --- keys ---------------------------------------------------------------------------------
def test_ctrl_c_clears_the_line_and_stays(bot: Bot) -> None:
    s = drive(bot, keys="half a question" + CTRL_C + "what does an mlops engineer do" + ENTER)
    assert s.status == 0
    assert [a.question for a in s.state.conversations[0]] == ["what does an mlops engineer do"]


def test_ctrl_d_leaves_with_status_zero(bot: Bot) -> None:
    s = drive(bot)
    assert s.status == 0 and s.state.turns == 0


@pytest.mark.parametrize("leave", ["/quit", "/exit", "quit", "exit"])
def test_quit_commands_leave_without_reading_further(bot: Bot, leave: str) -> None:
    s = drive(bot, leave, "what does an mlops engineer do")
    assert s.status == 0 and s.state.turns == 0


def test_goodbye_answers_and_leaves(bot: Bot) -> None:
    s = drive(bot, "bye", "what does an mlops engineer do")
    assert s.status == 0
    assert [a.intent for a in s.state.conversations[0]] == ["goodbye"]


# --- commands -----------------------------------------------------------------------------
def test_help_lists_every_command(bot: Bot) -> None:
    s = drive(bot, "/help")
    lines = s.printed[1].split("\n")
    columns = set()
    for command in COMMANDS:
        line = next(line for line in lines if line.strip().startswith(command.usage))
        columns.add(line.index(command.help.split()[0], len(command.usage) + 2))
    assert len(columns) == 1  # the explanations line up


def test_roles_skills_and_path_come_from_the_knowledge_base(bot: Bot, facts: Any) -> None:
    s = drive(bot, "/roles", "/skills", "/path")
    roles, skills, path = s.printed[1:4]
    assert all(r.name in roles for r in facts.roles)
    assert all(k.name in skills for k in facts.skills)
    # the ladder: every level in order, arrows between them
    positions = [path.index(level.name) for level in facts.levels]
    assert positions == sorted(positions)
    assert path.count("↓") == len(facts.levels) - 1


def test_reset_forgets_the_context(bot: Bot) -> None:
    s = drive(bot, "what does an mlops engineer do", "/reset", "what skills do they need?")
    assert s.state.conversations[0][0].roles == ("mlops_engineer",)
    after = s.state.conversations[1][0]
    assert after.roles == ()  # nobody to refer to any more
    assert "mlops_engineer" not in after.context.roles


def test_why_explains_the_last_answer(bot: Bot) -> None:
    s = drive(bot, "/why", "what does an mlops engineer do", "/why")
    assert "Nothing to explain yet" in s.printed[1]
    why = s.printed[3]
    answer = s.state.last
    candidates = answer.explanation["candidates"]
    assert f"{candidates[0]['intent']} {candidates[0]['score']:.2f}" in why  # intent
    assert f"{candidates[1]['intent']} {candidates[1]['score']:.2f}" in why  # runner-up
    assert "matched:" in why and "\"mlops engineer\"" in why
    assert "notes used: roles/mlops_engineer" in why


def test_explain_toggles_explanations_for_every_answer(bot: Bot) -> None:
    s = drive(bot, "hi", "/explain", "what does an mlops engineer do", "/explain", "thanks")
    outputs = s.printed[1:]
    assert "why this answer" not in outputs[0]
    assert "why this answer" in outputs[2]
    assert "why this answer" not in outputs[4]


def test_explain_option_starts_with_explanations_on(bot: Bot) -> None:
    s = drive(bot, "hi", explain=True)
    assert "why this answer" in s.printed[1]


def test_unknown_command_suggests_the_nearest(bot: Bot) -> None:
    s = drive(bot, "/halp", "/pa")
    assert "Unknown command /halp" in s.printed[1] and "/help" in s.printed[1]
    assert "↓" in s.printed[2]  # an unambiguous beginning runs the command


def test_save_test_writes_a_canned_test_that_replays(bot: Bot, tmp_path: Path) -> None:
    target = tmp_path / "session.yaml"
    s = drive(bot, "what does an mlops engineer do", "what skills do they need?", "/reset",
              "which roles use Docker?", f"/save-test --all {target}", f"/save-test {target}")
    assert "Wrote 3 turn(s) in 2 conversation(s)" in s.printed[-2]
    assert "already exists" in s.printed[-1]
    doc = yaml.safe_load(target.read_text(encoding="utf-8"))
    conversations = doc["conversations"]
    assert [len(c["turns"]) for c in conversations] == [2, 1]
    # replayed from a fresh context, each conversation meets its own expectations
    for conversation in conversations:
        context = Context()
        for turn in conversation["turns"]:
            answer = bot.answer(turn["ask"], context)
            context = answer.context
            assert answer.intent == turn["intent"]
            assert sorted(answer.roles) == sorted(turn.get("roles", []))
            for fact in turn.get("answer_has", []):
                assert fact.lower() in answer.text.lower()
    assert conversations[0]["turns"][1]["answer_has"]  # key facts became expectations


def test_save_test_needs_a_file_and_a_question(bot: Bot, tmp_path: Path) -> None:
    s = drive(bot, "/save-test", f"/save-test {tmp_path / 'x.yaml'}",
              "hi", f"/save-test {tmp_path / 'missing-dir' / 'x.yaml'}")
    assert "Usage: /save-test [--all] FILE" in s.printed[1]
    assert "Nothing to save yet" in s.printed[2]
    assert "Cannot write" in s.printed[4]
    assert not (tmp_path / "x.yaml").exists()


def test_save_test_saves_the_current_conversation_by_default(bot: Bot, tmp_path: Path) -> None:
    target = tmp_path / "last.chat.yaml"
    s = drive(bot, "what does an mlops engineer do", "/reset", "which roles use Docker?",
              "what skills do they need?", f"/save-test {target}")
    assert "Wrote 2 turn(s) in 1 conversation(s)" in s.printed[-1]
    assert "Note:" not in s.printed[-1]  # a name pytest collects: no warning
    (conversation,) = yaml.safe_load(target.read_text(encoding="utf-8"))["conversations"]
    assert [t["ask"] for t in conversation["turns"]] == ["which roles use Docker?",
                                                         "what skills do they need?"]


def test_save_test_right_after_reset_points_at_the_option(bot: Bot, tmp_path: Path) -> None:
    s = drive(bot, "hi", "/reset", f"/save-test {tmp_path / 'x.chat.yaml'}")
    assert "Nothing asked since /reset; /save-test --all FILE" in s.printed[-1]


def test_save_test_warns_when_pytest_will_not_collect_the_file(bot: Bot, tmp_path: Path) -> None:
    s = drive(bot, "hi", f"/save-test {tmp_path / 'session.yaml'}")
    assert "Wrote 1 turn(s)" in s.printed[-1]
    assert "pytest collects only *.chat.yaml files" in s.printed[-1]


def test_an_ambiguous_command_prefix_lists_its_candidates(bot: Bot) -> None:
    s = drive(bot, "/s")
    assert "/s could be any of: /skills, /save-test" in s.printed[1]


@pytest.mark.parametrize("roles, explain, hint", [
    (1, False, ""), (2, True, ""), (3, False, "Ctrl-D or /quit to leave"), (99, True, ""),
])
def test_the_toolbar_fits_its_width(bot: Bot, facts: Any, roles: int, explain: bool, hint: str) -> None:
    from bot.repl.state import State

    state = State(bot, explain=explain, context=Context(roles=tuple(r.id for r in facts.roles[:roles])))
    state.hint = hint
    for width in (100, 80, 60, 40):
        shown = fragment_list_to_text(toolbar(state, width))
        assert len(shown) <= width, (width, shown)
        assert shown.startswith(" talking about: ")
        # whole key hints only: shed from the end, never cut in the middle
        assert not shown.rstrip().endswith(("Ctr", "Ctrl-", "comp", "sea")), shown
    wide = fragment_list_to_text(toolbar(state, 1000))
    assert facts.roles[min(roles, len(facts.roles)) - 1].name in wide and wide.endswith(" ")
    assert "Ctrl-D" in wide or "leave" in wide
    narrow = fragment_list_to_text(toolbar(state, 100))
    if roles == 99:  # all the roles: at 100 columns the context itself is cut after a whole name
        assert ", …" in narrow
    elif roles == 2:  # the keys go first, how to leave last
        assert narrow.endswith("  │ /help  Ctrl-D quit ")


# --- history ------------------------------------------------------------------------------
def test_history_path_follows_xdg(tmp_path: Path) -> None:
    assert history_path({"XDG_STATE_HOME": str(tmp_path)}) == tmp_path / "mlbot" / "history"
    default = Path.home() / ".local" / "state" / "mlbot" / "history"
    assert history_path({}) == default
    assert history_path({"XDG_STATE_HOME": "relative/dir"}) == default  # invalid per the spec


def test_history_persists_between_sessions(bot: Bot, tmp_path: Path) -> None:
    path = tmp_path / "state" / "mlbot" / "history"
    drive(bot, "what does an mlops engineer do", history=SafeHistory(path))
    again = SafeHistory(path)
    assert list(again.load_history_strings()) == ["what does an mlops engineer do"]
    assert not again.take_warnings()


def test_unwritable_history_warns_once_and_the_repl_goes_on(bot: Bot, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    s = drive(bot, "what does an mlops engineer do", "what skills do they need?",
              history=SafeHistory(blocker / "mlbot" / "history"))
    assert s.text.count("warning: cannot write the history file") == 1
    assert s.state.turns == 2 and s.status == 0


def test_history_failing_later_warns_once(bot: Bot, tmp_path: Path) -> None:
    path = tmp_path / "history"
    history = SafeHistory(path)
    os.remove(path)
    path.mkdir()  # now every append fails
    s = drive(bot, "hi", "thanks", history=history)
    assert s.text.count("warning:") == 1
    assert s.state.turns == 2


# --- faults -------------------------------------------------------------------------------
class Broken(Bot):
    def answer(self, question: str, context: Context | None = None) -> Any:
        raise RuntimeError("engine fault")


@pytest.fixture
def broken(knowledge: Any) -> Iterator[Bot]:
    yield Broken(knowledge)


def test_no_traceback_reaches_the_user(broken: Bot) -> None:
    s = drive(broken, "what does an mlops engineer do", "/help")
    assert "something went wrong" in s.printed[1] and "--debug" in s.printed[1]
    assert "Traceback" not in s.text
    assert "/save-test" in s.printed[2]  # and the REPL went on
    assert s.status == 0


def test_debug_shows_the_traceback(broken: Bot) -> None:
    s = drive(broken, "what does an mlops engineer do", debug=True)
    assert "Traceback" in s.printed[1] and "engine fault" in s.printed[1]


def test_escape_sequences_pasted_never_reach_the_terminal(bot: Bot) -> None:
    # a terminal delivers pasted text between bracketed-paste markers, escapes and all
    pasted = "what does an \x1b[31mmlops\x1b[0m engineer do \x1b]0;title\x07"
    s = drive(bot, keys=f"\x1b[200~{pasted}\x1b[201~" + ENTER
              + "\x1b[200~/\x1b[2Jnothing\x1b[201~" + ENTER)
    assert s.state.turns == 1
    assert "\x1b" not in s.text and "\x07" not in s.text
    assert "Unknown command" in s.printed[2]


def test_control_characters_in_any_line_are_dropped(bot: Bot) -> None:
    with create_pipe_input() as pipe:
        repl = Repl(bot, color=False, input=pipe, output=DummyOutput(), history=InMemoryHistory())
        for line in ("\x1b[2J\x1b]0;x\x07what does an mlops engineer do", "/\x1b[2J\x9b1m"):
            result = repl.handle(line)
            assert result is not None
            text = fragment_list_to_text(repl.display.fragments(result, 80))
            assert not any(ord(ch) < 32 and ch != "\n" or 0x7f <= ord(ch) < 0xa0 for ch in text)


# --- colour -------------------------------------------------------------------------------
def test_colour_wanted_only_on_a_terminal_without_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert color_wanted(True, True)
    assert not color_wanted(False, True)  # --no-color
    assert not color_wanted(True, False)  # not a terminal
    monkeypatch.setenv("NO_COLOR", "1")
    assert not color_wanted(True, True)


@pytest.mark.parametrize("color", [True, False])
def test_colour_codes_only_when_colour_is_on(bot: Bot, color: bool) -> None:
    stream = StringIO()
    output = Vt100_Output(stream, lambda: Size(rows=24, columns=80), term="xterm-256color")
    with create_pipe_input() as pipe:
        repl = Repl(bot, color=color, input=pipe, output=output, history=InMemoryHistory())
        result = repl.handle("what does an mlops engineer do")
        assert result is not None
        repl.show(result)
    printed = stream.getvalue()
    assert "MLOps Engineer" in printed
    has_colour = "\x1b[0;36" in printed or ";36;" in printed or "\x1b[36" in printed
    assert has_colour == color, printed[:300]


# --- start-up -----------------------------------------------------------------------------
def test_only_the_repl_imports_prompt_toolkit() -> None:
    import subprocess
    import sys

    def imports_it(code: str) -> bool:
        out = subprocess.run([sys.executable, "-c", code + "; print('prompt_toolkit' in sys.modules)"],
                             capture_output=True, text=True, check=True).stdout
        return out.strip().splitlines()[-1] == "True"

    assert not imports_it("import sys, bot.cli; bot.cli.main(['ask', 'what does an mlops engineer do'])")
    assert imports_it("import sys, bot.repl.app")  # the check can see it
