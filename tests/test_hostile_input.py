"""Any text in, an answer out: the whole pipeline (`Bot.answer` and the renderers) against
hostile and broken input, in-process. Subprocess checks of the same live in
test_hostile_cli.py.

What must hold for every input: no exception, a contract intent, a confidence in 0..1, a
question echoed back cleaned (no control, escape or bidi characters) and cut to
MAX_QUESTION_CHARS with a notice, output with nothing that a terminal would interpret,
and JSON that is one line whatever splits lines. User text is never a template.
"""

from __future__ import annotations

import json
import math
import os
import re
import time
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.cli import answer_question
from bot.engine import Answer, Bot
from bot.loader import INTENT_IDS
from bot.render import render_explanation, render_json, render_text
from bot.understanding.context import Context
from bot.understanding.normalise import MAX_QUESTION_CHARS, clean_text

# Pieces hostile input is made of: terminal escapes (CSI, OSC title and hyperlink, 8-bit
# CSI), controls, bidi and zero-width marks, format-string and template syntax, lone
# surrogates (what Python makes of undecodable argv bytes), scripts and emoji, plus words
# the bot knows so that the mix reaches every stage of the pipeline.
PIECES = [
    "\x1b[31m", "\x1b[0m", "\x1b[2J", "\x1b[1;1H", "\x1b]0;pwned\x07", "\x1b]8;;http://evil\x1b\\",
    "\x1b]52;c;ZXZpbA==\x07", "\x9b31m", "\x9d0;x\x9c", "\x1bP+q\x1b\\", "\x1b", "\x00", "\x07",
    "\x08", "\x7f", "\r", "\x0b", "\x0c", "\x85", "\u2028", "\u2029", "\u202e", "\u202d", "\u200f",
    "\u2066", "\u2069", "\ufeff", "\u200b", "\u200d", "\ue000", "\U000e0041", "\ufffd",
    "{0}", "{answer.__class__}", "{role}", "{focus}", "%s", "%(role)s", "{{7*7}}", "${HOME}",
    "$(id)", "`id`", "<script>", "\\n", "'", '"', "{", "}",
    "\ud800", "\udcff", "🤖", "👨‍💻", "🇫🇷", "机器学习工程师", "ماذا يفعل", "инженер", "एमएल",
    "ｍｌｏｐｓ", "e\u0301", "ﬁ", " " * 40, "\t",
    "what does", "an MLOps engineer", "data scientist", "nlp", "skills", "do they need",
    "compare", "the second one", "which roles use", "Docker", "entry level", "hi", "thanks",
    "?", "!!!", ".",
]

questions = st.lists(st.one_of(st.text(max_size=25), st.sampled_from(PIECES)), max_size=12).map("".join)


def unsafe(text: str) -> list[str]:
    """Characters a terminal could act on or that reorder/hide text: C0/C1 controls but
    newline and tab, format characters (bidi overrides, zero-width), lone surrogates."""
    return [ch for ch in text if ch not in "\n\t" and unicodedata.category(ch) in ("Cc", "Cf", "Cs")]


def check_answer(answer: Answer, question: str) -> None:
    assert answer.intent in INTENT_IDS
    assert isinstance(answer.confidence, float | int) and not math.isnan(answer.confidence)
    assert 0.0 <= answer.confidence <= 1.0
    assert answer.text.strip()
    assert not unsafe(answer.question), answer.question
    assert len(answer.question) <= MAX_QUESTION_CHARS
    assert (answer.notice is not None) == clean_text(question)[1]
    for shown in (render_text(answer), render_explanation(answer)):
        assert not unsafe(shown), shown
    line = render_json(answer)
    assert len(line.splitlines()) == 1  # one JSON line, whatever a reader splits lines on
    assert not unsafe(line)
    data = json.loads(line)
    assert data["question"] == answer.question
    assert set(data) == {"question", "intent", "confidence", "entities", "answer", "sources",
                         "suggestions"}


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(conversation=st.lists(questions, min_size=1, max_size=4))
def test_any_text_gets_a_clean_answer(bot: Bot, conversation: list[str]) -> None:
    context: Context | None = None
    for question in conversation:
        answer = bot.answer(question, context)
        check_answer(answer, question)
        context = answer.context


@settings(max_examples=30, deadline=None)
@given(raw=st.binary(max_size=200))
def test_any_bytes_decoded_as_the_cli_does(bot: Bot, raw: bytes) -> None:
    question = raw.decode("utf-8", errors="replace")
    check_answer(bot.answer(question), question)


HOSTILE: dict[str, str] = {
    "empty": "",
    "only spaces": "   \t   ",
    "only controls": "\x00\x01\x02\x1b\x7f",
    "NUL inside": "what does an mlops\x00 engineer do",
    "ANSI colours": "what does an \x1b[31mMLOps\x1b[0m engineer do",
    "clear screen": "\x1b[2J\x1b[Hwhat does an mlops engineer do",
    "OSC title": "\x1b]0;owned\x07what does an mlops engineer do",
    "OSC 52 clipboard": "\x1b]52;c;cm0gLXJmIH4=\x07what does an mlops engineer do",
    "8-bit CSI": "\x9b31mwhat does an mlops engineer do",
    "right-to-left override": "\u202ewhat does an mlops engineer do\u202c",
    "right-to-left mark": "\u200fwhat does an mlops engineer do\u200f",
    "fullwidth letters": "ｗｈａｔ ｄｏｅｓ ａｎ ｍｌｏｐｓ ｅｎｇｉｎｅｅｒ ｄｏ",
    "emoji": "🤖 what does an mlops engineer do? 🚀👨‍💻",
    "chinese": "机器学习工程师做什么",
    "arabic": "ماذا يفعل مهندس التعلم الآلي",
    "russian": "что делает инженер MLOps",
    "hindi": "एमएल इंजीनियर क्या करता है",
    "zalgo": "w̷h̶a̸t̵ d̷o̶e̸s̵ m̷l̶o̸p̵s̷ d̶o̸",
    "lone surrogates": "what does \udcff\ud800 mlops do",
    "replacement chars": "what\ufffd does\ufffd an mlops engineer do",
    "line separators": "what does\u2028an mlops\u2029engineer\x85do",
    "1 MB line": "a" * 1_000_000,
    "1 MB of words": "what does an mlops engineer do " * 33_000,
    "long word": "x" * 50_000,
    "many combining marks": "e" + "\u0301" * 20_000,
}


@pytest.mark.parametrize("question", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_inputs(bot: Bot, question: str) -> None:
    started = time.monotonic()
    answer = bot.answer(question)
    assert time.monotonic() - started < 5, "far too slow: a hang in the making"
    check_answer(answer, question)


@pytest.mark.parametrize("name", ["NUL inside", "ANSI colours", "clear screen", "OSC title",
                                  "OSC 52 clipboard", "right-to-left override",
                                  "right-to-left mark", "fullwidth letters", "emoji"])
def test_noise_around_a_question_does_not_change_the_answer(bot: Bot, name: str) -> None:
    plain = bot.answer("what does an mlops engineer do")
    noisy = bot.answer(HOSTILE[name])
    assert (noisy.intent, noisy.roles) == (plain.intent, plain.roles) == ("role_overview", ("mlops_engineer",))


def test_very_long_input_is_cut_with_a_notice(bot: Bot) -> None:
    answer = bot.answer("what does an mlops engineer do " * 33_000)
    assert len(answer.question) <= MAX_QUESTION_CHARS
    assert answer.notice and str(MAX_QUESTION_CHARS) in answer.notice
    assert answer.notice in render_text(answer)
    assert answer.intent == "role_overview"
    short = bot.answer("what does an mlops engineer do")
    assert short.notice is None


@pytest.mark.parametrize("question", ["", " ", "\t\t", "\x1b[0m", "\u200b\u202e", "\x00"])
def test_an_empty_question_asks_for_one(bot: Bot, question: str) -> None:
    answer = answer_question(bot, question)
    assert answer.intent == "out_of_scope" and not answer.understood
    assert answer.question == ""
    assert answer.text.startswith("Please ask a question")
    assert answer.suggestions  # example questions to start from
    check_answer(answer, question)


def test_an_empty_question_keeps_the_conversation(bot: Bot) -> None:
    first = bot.answer("what does an mlops engineer do")
    blank = answer_question(bot, "   ", first.context)
    assert blank.context == first.context
    follow = bot.answer("what skills do they need", blank.context)
    assert follow.intent == "role_skills" and follow.roles == ("mlops_engineer",)


# --- no injection -----------------------------------------------------------------------

PAYLOADS = ["{0}", "{answer.__class__}", "{answer.__class__.__init__.__globals__}", "%s",
            "%(role)s", "%d", "{{7*7}}", "${HOME}", "$(id)", "{role}", "{focus}", "{title}",
            "{covers}", "{skills_as_written}", "{!r}", "{0:>99999999}", "{__import__('os')}"]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_user_text_is_never_a_template(bot: Bot, payload: str) -> None:
    home = os.environ.get("HOME", "/nonexistent-home")
    for question in (payload, f"what does an mlops engineer do {payload}",
                     f"what does a {payload} engineer do", f"does an nlp engineer use {payload}",
                     f"I know {payload}, which role suits me?"):
        answer = bot.answer(question)
        check_answer(answer, question)
        # echoed as plain text, exactly as typed (after cleaning), or not at all
        assert answer.question == clean_text(question)[0]
        shown = "\n".join([render_text(answer), render_explanation(answer), render_json(answer)])
        shown = shown.replace(answer.question, "")
        for leak in ("<class", "__globals__", "<built-in", "<module", "Answer(", "Context(", home):
            assert leak not in shown, (question, leak)
        assert not re.search(r"(?<![\d.])49(?!\d)", shown), question  # {{7*7}} was not run
        assert len(render_text(answer)) < 10_000  # "{0:>99999999}" padded nothing


def test_echoed_words_are_cleaned_in_the_explanation(bot: Bot) -> None:
    answer = bot.answer("what does a \x1b[31mdata\x1b]0;x\x07 engineer\u202e do")
    explanation = render_explanation(answer)
    assert not unsafe(explanation)
    assert "data engineer" in explanation.replace("  ", " ")


# every digit and number of Unicode, alone and where a pick is read ("the <n> one"): a crash
# class once hid here ("❽".isdigit() is true, int("❽") raises)
NUMBERS = [chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) in ("Nd", "Nl", "No")]


def test_every_unicode_digit_and_number_gets_an_answer(bot: Bot) -> None:
    assert len(NUMBERS) > 1000
    listed = bot.answer("what jobs are there in machine learning?").context
    for ch in NUMBERS:
        for question in (ch, f"what does the {ch} one do", f"number {ch}", f"{ch}{ch}"):
            check_answer(bot.answer(question, listed), question)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(conversation=st.lists(st.lists(st.one_of(st.characters(categories=("Nd", "Nl", "No")),
                                                  st.sampled_from(["the", "number", " ", "one", "#", "do"])),
                                        max_size=8).map("".join), min_size=1, max_size=3))
def test_numbers_of_any_script_in_any_place(bot: Bot, conversation: list[str]) -> None:
    context: Context | None = bot.answer("list the roles").context
    for question in conversation:
        answer = bot.answer(question, context)
        check_answer(answer, question)
        context = answer.context
