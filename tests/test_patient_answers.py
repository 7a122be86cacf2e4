"""Issue 13: answers to the question asked, refusals that help, no repetition, suggestions
picked by number, and a knowledge base's own language overlay."""

from __future__ import annotations

import io
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

from bot import cache
from bot.cli import main
from bot.engine import Bot
from bot.loader import check_knowledge, load_knowledge
from bot.understanding.context import Context

ROOT = Path(__file__).resolve().parent.parent
KITCHEN = ROOT / "examples" / "kitchen-roles"


def chat(bot: Bot, *questions: str) -> list[Any]:
    context: Context | None = None
    answers = []
    for question in questions:
        answer = bot.answer(question, context)
        context = answer.context
        answers.append(answer)
    return answers


# --- 1. the question that was asked ---------------------------------------------------------

def test_both_skills_gives_the_overlap(bot: Bot) -> None:
    a = bot.answer("which roles use both Python and TensorFlow?")
    assert a.intent == "roles_for_skill"
    first = a.text.split("\n")[0]
    assert "Machine Learning Engineer" in first
    # the roles listing only one of them are not in the overlap
    assert "Data Scientist" not in first and "Computer Vision" not in first


def test_but_not_excludes_the_second_skill(bot: Bot) -> None:
    a = bot.answer("which roles use Python but not R?")
    assert a.intent == "roles_for_skill"
    assert "Data Scientist (ML-focused)" in a.text
    assert "Machine Learning Engineer" not in a.text  # it lists R too


def test_a_skill_the_notes_lack_is_said_plainly(bot: Bot) -> None:
    a = bot.answer("which roles use Rust?")
    assert "don't mention Rust" in a.text
    b = bot.answer("which roles use Python and Rust?")
    assert "Machine Learning Engineer" in b.text and "don't mention Rust" in b.text


def test_math_gives_the_cross_role_line_too(bot: Bot) -> None:
    a = bot.answer("what math do I need?")
    assert "ML Research Scientist" in a.text
    assert "statistics, linear algebra, and probability" in a.text


@pytest.mark.parametrize("question, skill, role", [
    ("what is MLflow?", "MLflow", "MLOps Engineer"), ("what are CNNs?", "CNNs", "Computer Vision Engineer")])
def test_what_is_a_skill_says_the_notes_define_none(bot: Bot, question: str, skill: str, role: str) -> None:
    a = bot.answer(question)
    assert a.intent == "roles_for_skill"
    assert a.text.startswith(f"The notes don't define {skill}")
    assert role in a.text


def test_is_python_enough_says_what_the_notes_say(bot: Bot) -> None:
    a = bot.answer("Is Python enough to get started?")
    assert a.intent == "common_skills" and a.skills == ("Python",)
    assert "Python, R, or Java" in a.text
    assert "don't say that it alone is enough" in a.text
    assert not a.text.startswith("Yes")


def test_one_person_both_roles_says_the_notes_do_not_answer(bot: Bot) -> None:
    a = bot.answer("can one person be both an ML engineer and an MLOps engineer?")
    assert a.intent == "role_compare"
    assert "Design, train, and deploy ML models" in a.text and "Manage ML pipelines" in a.text
    assert "don't say whether one person can be both" in a.text


# --- 2. a refusal that helps ------------------------------------------------------------------

@pytest.mark.parametrize("question, line", [
    ("what salary does an ML engineer make?", "The notes give no salaries"),
    ("do I need a PhD?", "don't cover education or degrees"),
    ("which companies hire ML engineers?", "companies, hiring or the job market"),
    ("how do I prepare for an interview?", "interviews"),
    ("tell me a joke", "only answer questions about the notes"),
    ("what does a data engineer do?", "don't name a Data Engineer role; the nearest they describe are"),
])
def test_a_refusal_says_what_is_missing(bot: Bot, question: str, line: str) -> None:
    a = bot.answer(question)
    assert a.intent == "out_of_scope"
    assert line in a.text
    assert "They cover" in a.text


def test_refusals_differ_by_kind(bot: Bot) -> None:
    texts = {bot.answer(q).text.split(".")[0] for q in (
        "how much does an nlp engineer earn", "do I need a degree", "tell me a joke", "what does a data engineer do")}
    assert len(texts) == 4


def test_refusal_follow_ups_are_about_the_conversation(bot: Bot) -> None:
    *_, a = chat(bot, "what does an nlp engineer do", "how much do they earn?")
    assert a.intent == "out_of_scope"
    assert a.suggestions and all("NLP Engineer" in s for s in a.suggestions)
    *_, b = chat(bot, "what does a computer vision engineer do", "do I need a PhD?")
    assert any("Computer Vision Engineer" in s for s in b.suggestions)
    assert a.suggestions != b.suggestions


def test_a_pronoun_with_nothing_before_it(bot: Bot) -> None:
    a = bot.answer("and what about them?")
    assert a.intent == "out_of_scope" and "no role has come up" in a.text


def run(capsys: pytest.CaptureFixture[str], argv: list[str], stdin: str = "") -> tuple[int, str]:
    old = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(stdin.encode()), encoding="utf-8")
    try:
        code = main(argv)
    finally:
        sys.stdin = old
    return code, capsys.readouterr().out


def test_ask_never_says_type_help(capsys: pytest.CaptureFixture[str]) -> None:
    for question in ("tell me a joke", "what salary does an ML engineer make?", "   "):
        code, out = run(capsys, ["ask", question])
        assert code == 1 and "type \"help\"" not in out.lower(), out
    code, out = run(capsys, ["ask", "-"], "tell me a joke\n")
    assert 'type "help"' not in out.lower()
    # a conversation can take the next question: there it is said
    code, out = run(capsys, ["chat"], "tell me a joke\n")
    assert 'type "help"' in out


# --- 3. no repetition -------------------------------------------------------------------------

def test_skills_and_tasks_are_said_once(bot: Bot, knowledge: Any) -> None:
    for question, items in (("what skills does an nlp engineer need", ("NLTK", "SpaCy", "Hugging Face")),
                            ("what tasks does a data scientist work on", ("Predictive modeling", "anomaly detection"))):
        text = bot.answer(question).text
        for item in items:
            assert text.lower().count(item.lower()) == 1, text


def test_the_greeting_does_not_suggest_its_own_example(bot: Bot) -> None:
    a = bot.answer("hi")
    example = a.text.split("for example: ")[1]
    assert example not in a.suggestions and a.suggestions


def test_a_card_suggests_what_it_does_not_show(bot: Bot, knowledge: Any) -> None:
    a = bot.answer("what does an mlops engineer do")
    assert a.suggestions
    for s in a.suggestions:
        assert not re.match(r"What (skills|tasks|level)", s), s
    compared = bot.answer("compare an nlp engineer and a computer vision engineer")
    assert compared.suggestions
    assert not [s for s in compared.suggestions if re.match(r"What (skills|tasks|level)", s)]


def test_wording_fixes(bot: Bot) -> None:
    assert "(senior)" not in bot.answer("what comes after mid level?").text
    assert "Both are at the same level" in bot.answer("what level are an ML engineer and an NLP engineer?").text
    unsure = bot.answer("qwerty zxcv engineer maybe")
    assert '?"?' not in unsure.text
    a = bot.answer("what programming skills do I need?")
    assert "Which roles use Programming?" not in a.suggestions and "lists programming" in a.text
    for question in ("which roles use python", "does an nlp engineer need statistics?"):
        assert "across all roles" not in bot.answer(question).text


def test_capitalised_tasks_read_well_inside_a_sentence() -> None:
    bot = Bot(load_knowledge(KITCHEN))
    assert "Bake the day's bread and plate desserts" in bot.answer("what does a pastry chef do?").text


# --- 4. suggestions picked by number ----------------------------------------------------------

@pytest.mark.parametrize("pick", ["2", "number 2", "#2", "the second", "the second one"])
def test_a_number_picks_a_suggestion(bot: Bot, pick: str) -> None:
    first, second = chat(bot, "what skills does an nlp engineer need", pick)
    wanted = first.suggestions[1]
    assert second.picked == wanted and second.question == pick
    assert second.intent == bot.answer(wanted).intent and second.roles == ("nlp_engineer",)


def test_yes_takes_a_single_did_you_mean(bot: Bot) -> None:
    first, second = chat(bot, "what math do I need?", "yes")
    meant = [s for s in first.suggestions if s.startswith("Did you mean: ")]
    assert len(meant) == 1
    assert second.picked == meant[0].removeprefix("Did you mean: ")
    assert second.intent == "common_skills"


def test_yes_without_a_did_you_mean_picks_nothing(bot: Bot) -> None:
    _, second = chat(bot, "what does an nlp engineer do", "yes")
    assert second.picked is None and second.question == "yes"


def test_a_number_after_a_list_of_roles_picks_a_role(bot: Bot) -> None:
    _, second = chat(bot, "what jobs are there in machine learning?", "the second")
    assert second.roles == (bot.knowledge.facts.roles[1].id,)


def test_piped_chat_picks_by_number(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, ["chat", "--json"], "what does an nlp engineer do\n#1\n")
    import json

    first, second = (json.loads(line) for line in out.splitlines())
    _, asked = run(capsys, ["chat", "--json"], f"what does an nlp engineer do\n{first['suggestions'][0]}\n")
    direct = json.loads(asked.splitlines()[1])
    assert second["question"] == "#1"  # what the user typed
    assert (second["intent"], second["answer"]) == (direct["intent"], direct["answer"])


def test_roles_command_then_number_six_picks_item_six(bot: Bot) -> None:
    from bot.repl.commands import cmd_roles
    from bot.repl.display import Display
    from bot.repl.state import State

    state = State(bot)
    state.context = bot.answer("what does an nlp engineer do").context
    cmd_roles(state, Display(bot.knowledge.facts), "")
    a = bot.answer("tell me more about number 6", state.context)
    assert a.roles == (bot.knowledge.facts.roles[5].id,)


# --- 6. install as a user, develop as a developer ------------------------------------------

def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)\n```", readme, re.S)
    install, develop = blocks[0], blocks[1]
    assert "pip install . " in install + " " and "[test]" not in install and install.endswith("mlbot")
    test_command = develop.split(" && ")[-1]
    assert "pytest" in test_command
    ci = [line for line in (ROOT / ".ci" / "run").read_text().splitlines() if line and not line.startswith("#")]
    assert ci[-1] == test_command


# --- 7. a language overlay --------------------------------------------------------------------

def test_the_overlay_example_extends_the_builtin_language() -> None:
    knowledge, problems = check_knowledge(KITCHEN)
    assert knowledge is not None and not [p for p in problems if not p.warning]
    bot = Bot(knowledge)
    assert bot.answer("what skills does a line cook need?").text.startswith("In the kitchen")
    assert "Sous Chef" in bot.answer("what does a sous chef do?").text  # "chef", a title word
    assert "tips or service charges" in bot.answer("do line cooks get tips?").text
    # the built-in language is all still there
    assert bot.answer("what comes after line cook?").intent == "career_next"
    assert "salaries" in bot.answer("how much does a line cook earn?").text


def test_the_cache_key_covers_the_overlay(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    shutil.copytree(KITCHEN, kb)
    files = cache.knowledge_files(str(kb))
    assert str(kb / "language" / "templates.yaml") in files
    before = cache.cache_key(str(kb))
    (kb / "language" / "templates.yaml").write_text(
        'templates:\n  goodbye: "Bye from the kitchen."\n', encoding="utf-8")
    assert cache.cache_key(str(kb)) != before


@pytest.mark.parametrize("name, text, message", [
    ("templates.yaml", 'templates:\n  greting: "Hi"\n', "unknown template 'greting'"),
    ("answers.yaml", "refusals:\n  tips:\n    line: \"No tips.\"\n    phrases: [tip]\n    suggest: [ask_salary]\n",
     "unknown follow-up 'ask_salary'"),
    ("answers.yaml", "refusals:\n  tips:\n    line: \"No {tip}.\"\n    phrases: [tip]\n", "unknown placeholder {tip}"),
    ("vocabulary.yaml", "role_head_words: chef\n", "must be a list"),
    ("vocab.yaml", "role_head_words: [chef]\n", "not a language file"),
])
def test_validate_names_the_overlays_file_and_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                   name: str, text: str, message: str) -> None:
    kb = tmp_path / "kb"
    shutil.copytree(KITCHEN, kb)
    (kb / "language" / name).write_text(text, encoding="utf-8")
    old = sys.stdin
    try:
        code = main(["--knowledge", str(kb), "validate"])
    finally:
        sys.stdin = old
    err = capsys.readouterr().err
    assert code == 2
    problem = next(line for line in err.splitlines() if message in line)
    path, line = problem.split(":")[:2]
    assert path == str(kb / "language" / name) and int(line) >= 1


def test_what_the_notes_cover_is_said_once_a_conversation(bot: Bot) -> None:
    first, second = chat(bot, "how much do they earn?", "which companies are hiring?")
    covers = bot.knowledge.facts.covers
    assert covers in first.text and covers not in second.text
    assert second.text  # the refusal's own line is still there


def test_a_question_word_and_a_word_of_its_own_is_not_a_fragment(bot: Bot) -> None:
    _, second = chat(bot, "does a computer vision engineer use opencv?", "what mean CNN")
    assert second.intent == "roles_for_skill"


def test_a_question_about_the_bot_says_what_it_is(bot: Bot) -> None:
    answer = bot.answer("are you a real person?")
    assert answer.intent == "help" and "not a person" in answer.text
    assert "not a person" not in bot.answer("what can you do?").text


def test_no_suggestion_asks_again_what_was_just_answered(bot: Bot) -> None:
    for question in ("what level is a head of ai?", "what skills does an nlp engineer need?",
                     "which roles use docker?"):
        answer = bot.answer(question)
        asked = {s.casefold().rstrip("?") for s in answer.suggestions}
        assert question.casefold().rstrip("?") not in asked
        assert len(asked) == len(answer.suggestions)


def test_no_next_step_is_suggested_at_the_end_of_the_path(bot: Bot) -> None:
    last = bot.knowledge.facts.levels[-1]
    for role_id in last.roles:
        name = bot.knowledge.facts.role_by_id[role_id].name
        for question in (f"what does the {name} do?", f"what level is the {name}?"):
            assert not any(s.startswith("What comes after") for s in bot.answer(question).suggestions)
