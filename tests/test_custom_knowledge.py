"""Adding a role (or a level) is one YAML entry, and then every intent works for it.

A copy of the built-in knowledge base gets a new role with new skills, "Reinforcement
Learning Engineer", and a new career level between Senior and Leadership. No Python
changes: the questions below must be answered from the YAML alone.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.engine import Answer, Bot
from bot.loader import builtin_dir, check_knowledge, load_knowledge
from bot.understanding.context import Context

RL_ROLE = {
    "id": "rl_engineer",
    "name": "Reinforcement Learning Engineer",
    "aliases": ["rl engineer", "reinforcement learning specialist", "rl specialist"],
    "focus": "Train agents that learn by trial and reward",
    "skills": ["Gym", "Reward shaping", "PyTorch"],
    "skills_as_written": "Gym, reward shaping, PyTorch",
    "tasks": ["Train game-playing agents", "Tune robot control policies"],
}
NEW_SKILLS = [
    {"name": "Gym", "aliases": ["openai gym", "gymnasium"]},
    {"name": "Reward shaping", "aliases": ["reward design"]},
]
PRINCIPAL_ROLE = {"id": "principal_ml_engineer", "name": "Principal ML Engineer",
                  "aliases": ["principal machine learning engineer"]}
PRINCIPAL_LEVEL = {"id": "principal", "name": "Principal Level", "word": "principal",
                   "aliases": ["principal", "principal level", "staff level"],
                   "roles": ["principal_ml_engineer"]}


def _edit(path: Path, change: Any) -> None:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(doc)
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")


def _add_level(doc: dict[str, Any]) -> None:
    levels = doc["levels"]
    levels.insert([lv["id"] for lv in levels].index("senior") + 1, PRINCIPAL_LEVEL)
    next(lv for lv in levels if lv["id"] == "mid")["roles"].append("rl_engineer")


@pytest.fixture(scope="module")
def kb_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("custom") / "knowledge"
    shutil.copytree(builtin_dir(), target)
    facts = target / "facts"
    _edit(facts / "roles.yaml", lambda d: d["roles"].extend([RL_ROLE, PRINCIPAL_ROLE]))
    _edit(facts / "skills.yaml", lambda d: d["skills"].extend(NEW_SKILLS))
    _edit(facts / "career.yaml", _add_level)
    return target


@pytest.fixture(scope="module")
def custom_bot(kb_dir: Path) -> Bot:
    return Bot(load_knowledge(kb_dir))


def ask(bot: Bot, *questions: str) -> Answer:
    """The answer to the last question, asked after the others in one conversation."""
    context: Context | None = None
    answer = None
    for question in questions:
        answer = bot.answer(question, context)
        context = answer.context
    assert answer is not None
    return answer


def check(answer: Answer, intent: str, roles: Sequence[str] | None = None,
          has: Sequence[str] = (), skills: Sequence[str] = (), level: str | None = None) -> None:
    where = f"{answer.question!r} -> {answer.intent} {list(answer.roles)}: {answer.text!r}"
    assert answer.intent == intent, where
    if roles is not None:
        assert set(answer.roles) == set(roles), where
    for skill in skills:
        assert skill in answer.skills, where
    if level is not None:
        assert answer.level == level, where
    for text in has:
        assert text.lower() in answer.text.lower(), f"{text!r} missing: {where}"


def test_the_edited_knowledge_base_is_valid_and_clean(kb_dir: Path) -> None:
    knowledge, problems = check_knowledge(kb_dir)
    assert knowledge is not None
    assert [str(p) for p in problems] == []
    assert knowledge.facts.level_of_role["rl_engineer"] == "mid"


RL = ["rl_engineer"]
NAME = "Reinforcement Learning Engineer"

# question -> intent, roles, words the answer must contain, skills the question names
EVERY_INTENT: list[tuple[str, str, list[str] | None, list[str], list[str]]] = [
    ("what does a reinforcement learning engineer do?", "role_overview", RL,
     ["trial and reward", "Gym"], []),
    ("tell me about RL engineers", "role_overview", RL, ["trial and reward"], []),
    ("what skills does an RL engineer need?", "role_skills", RL, ["Gym", "reward shaping"], []),
    ("what tasks does a reinforcement learning engineer work on?", "role_tasks", RL,
     ["game-playing agents", "robot control"], []),
    ("does an RL engineer use Gym?", "role_has_skill", RL, ["yes", "Gym"], ["Gym"]),
    ("does a reinforcement learning engineer need Docker?", "role_has_skill", RL, ["no"], ["Docker"]),
    ("does a computer vision engineer use reward shaping?", "role_has_skill",
     ["computer_vision_engineer"], ["no", NAME], ["Reward shaping"]),
    ("what is the difference between an RL engineer and a computer vision engineer?",
     "role_compare", ["rl_engineer", "computer_vision_engineer"],
     ["trial and reward", "image/video analysis", "PyTorch", "mid"], []),
    ("which roles use reward shaping?", "roles_for_skill", [], [NAME], ["Reward shaping"]),
    ("which roles use gymnasium?", "roles_for_skill", [], [NAME], ["Gym"]),
    ("which roles use PyTorch?", "roles_for_skill", [], [NAME, "Computer Vision Engineer"],
     ["PyTorch"]),
    ("I know Gym and reward shaping, which role suits me?", "recommend_role", [],
     [f"closest fit is {NAME}"], ["Gym", "Reward shaping"]),
    ("what level is an RL engineer?", "career_level", RL, ["mid"], []),
    ("which roles are mid level?", "career_level", [], [NAME], []),
    ("what comes after a reinforcement learning engineer?", "career_next", RL, ["senior"], []),
    ("how do I become a reinforcement learning engineer?", "career_next", RL, ["mid", "entry"], []),
    ("what jobs are there in machine learning?", "list_roles", [], [NAME], []),
    ("what does an ML career path look like?", "career_path", [], [NAME], []),
]


@pytest.mark.parametrize(("question", "intent", "roles", "has", "skills"), EVERY_INTENT,
                         ids=[q for q, *_ in EVERY_INTENT])
def test_every_intent_answers_about_the_new_role(custom_bot: Bot, question: str, intent: str,
                                                 roles: list[str] | None, has: list[str],
                                                 skills: list[str]) -> None:
    check(ask(custom_bot, question), intent, roles, has, skills)


def test_typos_in_the_new_name_are_corrected(custom_bot: Bot) -> None:
    check(ask(custom_bot, "what does a reinforcment lerning engineer do"), "role_overview", RL,
          ["trial and reward"])


def test_follow_ups_refer_to_the_new_role(custom_bot: Bot) -> None:
    first = "tell me about reinforcement learning engineers"
    check(ask(custom_bot, first, "and what skills do they need?"), "role_skills", RL, ["Gym"])
    check(ask(custom_bot, first, "what level are they?"), "career_level", RL, ["mid"])
    check(ask(custom_bot, "which roles use gym?", "what tasks do they work on?"), "role_tasks", RL,
          ["game-playing agents"])


def test_the_new_level_takes_its_place_in_the_path(custom_bot: Bot) -> None:
    path = ask(custom_bot, "what does an ML career path look like?")
    check(path, "career_path", [], ["Senior Level", "Principal Level", "Leadership"])
    ladder = path.text.split("\n", 1)[1]  # the steps, after the one-line introduction
    assert ladder.index("Senior Level") < ladder.index("Principal Level") < ladder.index("Leadership")
    check(ask(custom_bot, "which roles are principal level?"), "career_level", [],
          ["Principal ML Engineer"], level="principal")
    check(ask(custom_bot, "what comes after senior level?"), "career_next", [],
          ["Principal Level", "Principal ML Engineer"], level="senior")
    check(ask(custom_bot, "what comes after an MLOps engineer?"), "career_next", ["mlops_engineer"],
          ["principal"])
    check(ask(custom_bot, "how do I become head of AI?"), "career_next", ["head_of_ai"],
          ["Principal Level", "senior"])
    check(ask(custom_bot, "what level is a principal ML engineer?"), "career_level",
          ["principal_ml_engineer"], ["principal"])


def test_the_old_roles_are_unchanged(custom_bot: Bot, bot: Bot) -> None:
    for question in ("what does an MLOps engineer do?", "which roles use Docker?",
                     "what skills does a data scientist need?"):
        old, new = bot.answer(question), custom_bot.answer(question)
        assert (new.intent, new.roles, new.text) == (old.intent, old.roles, old.text)
    check(ask(custom_bot, "what does a data engineer do?"), "out_of_scope")


def test_the_repl_completes_the_new_names(kb_dir: Path) -> None:
    completer_module = pytest.importorskip("bot.repl.completer")
    from prompt_toolkit.completion import CompleteEvent
    from prompt_toolkit.document import Document

    completer = completer_module.MlbotCompleter(load_knowledge(kb_dir).facts, commands=())
    for typed, expected in (("what does a reinf", NAME), ("does it use gymna", "Gym"),
                            ("which roles use reward sh", "Reward shaping")):
        offered = [c.text for c in completer.get_completions(
            Document(typed), CompleteEvent(completion_requested=True))]
        assert expected in offered, (typed, offered)
