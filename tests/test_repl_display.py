"""How answers look in the REPL: role names emphasised, lists, the ladder, the side-by-side
table, and wrapping that never loses a word nor overflows the terminal."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.engine import Bot
from bot.repl.display import Display, Fragments, Result, Text, plain, width_of, wrap
from bot.understanding.context import Context


@pytest.fixture(scope="module")
def display(bot: Bot) -> Display:
    return Display(bot.knowledge.facts)


def questions(bot: Bot) -> list[str]:
    out = [e for spec in bot.knowledge.language.intents.values() for e in spec.examples]
    return out + ["what does an engineer do", "what do nlp engineers and heads of ai do",
                  "compare a data scientist and a head of ai", "what is the weather like"]


def draw(display: Display, bot: Bot, question: str, width: int,
         context: Context | None = None) -> tuple[Any, list[Fragments]]:
    answer = bot.answer(question, context)
    return answer, display.lines(display.from_answer(answer, width, explain=True), width)


@pytest.mark.parametrize("width", [24, 40, 80, 140])
def test_no_line_is_wider_than_the_terminal(bot: Bot, display: Display, width: int) -> None:
    for question in questions(bot):
        _, lines = draw(display, bot, question, width)
        too_wide = [plain([line]) for line in lines if sum(width_of(t) for _, t in line) > width]
        assert not too_wide, f"{question!r} at width {width}: {too_wide}"


@pytest.mark.parametrize("width", [30, 80, 200])
def test_every_fact_of_the_answer_is_shown(bot: Bot, display: Display, width: int) -> None:
    for question in questions(bot):
        answer, lines = draw(display, bot, question, width)
        shown = set(re.findall(r"\w+", plain(lines)))
        for fact in answer.facts:
            missing = [w for w in re.findall(r"\w+", fact) if w not in shown]
            assert not missing, f"{question!r} at width {width}: {fact!r} lost {missing}"


def test_nothing_but_text_reaches_the_terminal(bot: Bot, display: Display) -> None:
    for question in [*questions(bot), "what does a \x1b[2J\x1b]0;x\x07 engineer do"]:
        _, lines = draw(display, bot, question, 60)
        for _, text in (f for line in lines for f in line):
            assert not any(unicodedata.category(ch) in ("Cc", "Cf") for ch in text), repr(text)


def test_role_names_are_emphasised(bot: Bot, display: Display) -> None:
    role = bot.knowledge.facts.role_by_id["mlops_engineer"]
    fragments = display.emphasise(f"Ask about the {role.name}, then the {role.name}s.")
    assert [t for s, t in fragments if "class:role" in s] == [role.name, role.name + "s"]
    assert "".join(t for _, t in fragments) == f"Ask about the {role.name}, then the {role.name}s."


def test_a_role_answer_is_a_card_with_lists(bot: Bot, display: Display) -> None:
    role = bot.knowledge.facts.role_by_id["computer_vision_engineer"]
    _, lines = draw(display, bot, "what does a computer vision engineer do", 80)
    assert lines[0][0][0] == "class:role" and lines[0][0][1].startswith(role.name)
    text = plain(lines).split("\n")
    for item in [*role.skills, *role.tasks]:
        assert f"  • {item}" in text  # one item a line


def test_skills_and_tasks_answers_are_lists(bot: Bot, display: Display) -> None:
    role = bot.knowledge.facts.role_by_id["nlp_engineer"]
    for question, items in (("what skills does an nlp engineer need", role.skills),
                            ("what tasks does an nlp engineer do", role.tasks)):
        text = plain(draw(display, bot, question, 80)[1]).split("\n")
        for item in items:
            assert f"  • {item[:1].upper()}{item[1:]}" in text  # a list item starts with a capital


def test_career_path_is_a_ladder(bot: Bot, display: Display) -> None:
    facts = bot.knowledge.facts
    _, lines = draw(display, bot, "what does an ML career path look like?", 120)
    text = plain(lines).split("\n")
    rows = [next(i for i, line in enumerate(text) if re.match(rf"\s+{n}\s+{re.escape(level.name)}", line))
            for n, level in enumerate(facts.levels, 1)]
    assert rows == sorted(rows)
    for level, row, after in zip(facts.levels, rows, rows[1:], strict=False):
        assert text[row + 1].strip() == "↓" and row + 2 == after  # an arrow between levels
        for role_id in level.roles:
            assert facts.role_by_id[role_id].name in text[row]  # the level's roles beside it


def test_compare_is_a_side_by_side_table(bot: Bot, display: Display) -> None:
    facts = bot.knowledge.facts
    a, b = facts.role_by_id["ml_engineer"], facts.role_by_id["mlops_engineer"]
    _, lines = draw(display, bot, "difference between an ML engineer and an MLOps engineer", 110)
    text = plain(lines).split("\n")
    header = next(line for line in text if a.name in line and b.name in line and "vs" not in line)
    col_b = header.index(b.name)
    for label in ("Main focus", "Level", "Key skills", "Example tasks"):
        assert any(line.strip().startswith(label) for line in text), label
    focus = next(line for line in text if line.strip().startswith("Main focus"))
    assert (a.focus or "") in focus
    assert focus.index(" ".join((b.focus or "").split()[:2])) == col_b
    skills_first = next(line for line in text if line.strip().startswith("Key skills"))
    assert f"• {a.skills[0]}" in skills_first and skills_first.index(f"• {b.skills[0]}") == col_b


def test_compare_on_a_narrow_terminal_falls_back_to_text(bot: Bot, display: Display) -> None:
    answer, lines = draw(display, bot, "difference between an ML engineer and an MLOps engineer", 40)
    text = plain(lines)
    assert "Main focus:" in text and "─" not in text
    assert all(sum(width_of(t) for _, t in line) <= 40 for line in lines)


def test_clarifying_question_numbers_its_choices(bot: Bot, display: Display) -> None:
    answer, lines = draw(display, bot, "what does an engineer do", 80)
    text = plain(lines)
    for n, role_id in enumerate(answer.context.listed, 1):
        assert f"{n}. {bot.knowledge.facts.role_by_id[role_id].name}" in text
    assert "Type a number" in text
    assert "You could ask" not in text  # the choices are not repeated as suggestions


def test_error_results_are_styled_as_errors(display: Display) -> None:
    lines = display.lines(Result((Text("it broke"),), error=True), 40)
    assert lines == [[("class:error", "it broke")]]


# --- wrapping, for any text --------------------------------------------------------------
words = st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zs", "Zl", "Zp", "Cf",
                                                              "Mn", "Me")),
                min_size=1, max_size=30)


@settings(max_examples=200, deadline=None)
@given(st.lists(words, max_size=40), st.integers(min_value=4, max_value=120))
def test_wrap_keeps_every_character_and_the_width(parts: list[str], width: int) -> None:
    text = " ".join(parts)
    lines = wrap([("", text)], width, [("", "- ")])
    assert all(sum(width_of(t) for _, t in line) <= width for line in lines)
    kept = "".join(t for line in lines for _, t in line).replace(" ", "")
    assert kept == "- ".replace(" ", "") + text.replace(" ", "")
