"""Tab completion: role names and aliases, skills and slash commands, fuzzy and inside a
sentence; names always inserted as the notes spell them."""

from __future__ import annotations

from typing import Any

import pytest
from prompt_toolkit.completion import CompleteEvent, Completion
from prompt_toolkit.document import Document

from bot.engine import Bot
from bot.repl import completer as completer_module
from bot.repl.commands import COMMANDS
from bot.repl.completer import MlbotCompleter, score


@pytest.fixture(scope="module")
def completer(bot: Bot) -> MlbotCompleter:
    return MlbotCompleter(bot.knowledge.facts, [(c.name, c.help) for c in COMMANDS],
                          stopwords=bot.knowledge.language.vocabulary.stopwords)


def complete(completer: MlbotCompleter, text: str, tab: bool = True) -> list[Completion]:
    return list(completer.get_completions(Document(text), CompleteEvent(completion_requested=tab)))


def applied(text: str, completion: Completion) -> str:
    return text[: len(text) + completion.start_position] + completion.text


def name(bot: Bot, role_id: str) -> str:
    return bot.knowledge.facts.role_by_id[role_id].name


def test_a_role_inside_a_sentence(bot: Bot, completer: MlbotCompleter) -> None:
    text = "what does a comp"
    first = complete(completer, text)[0]
    assert first.text == name(bot, "computer_vision_engineer")
    assert applied(text, first) == f"what does a {first.text}"  # only "comp" replaced


@pytest.mark.parametrize(("typed", "role_id"), [
    ("what does an mlops eng", "mlops_engineer"),  # several words typed
    ("tell me about the cv eng", "computer_vision_engineer"),  # an alias
    ("what does a compter", "computer_vision_engineer"),  # a typo
    ("is a comp vis", "computer_vision_engineer"),  # the start of each word
    ("what does a ds", "data_scientist"),  # a short alias
    ("machine le", "ml_engineer"),  # the name before aliases that also start so
])
def test_roles_fuzzily(bot: Bot, completer: MlbotCompleter, typed: str, role_id: str) -> None:
    found = complete(completer, typed)
    assert found, f"nothing offered for {typed!r}"
    assert found[0].text == name(bot, role_id), [c.text for c in found]


def test_skills_are_offered_as_the_notes_spell_them(bot: Bot, completer: MlbotCompleter) -> None:
    skills = {s.name for s in bot.knowledge.facts.skills}
    found = complete(completer, "which roles use dock")
    assert found[0].text in skills and found[0].text.lower().startswith("dock")
    via_alias = complete(completer, "does it need k8")
    assert via_alias and via_alias[0].text in skills
    assert "k8" in str(via_alias[0].display_meta)  # says which alias matched


def test_every_role_and_skill_can_be_reached(bot: Bot, completer: MlbotCompleter) -> None:
    facts = bot.knowledge.facts
    for item in [*(r.name for r in facts.roles), *(s.name for s in facts.skills)]:
        start = item[: max(3, len(item) // 2)].rstrip()
        if start == item:
            continue  # typed in full already: nothing to complete
        offered = [c.text for c in complete(completer, f"about {start}")]
        assert item in offered, f"{item!r} not offered for {start!r}: {offered}"


def test_nothing_after_a_space_or_a_finished_small_word(completer: MlbotCompleter) -> None:
    assert complete(completer, "what does a ") == []
    assert complete(completer, "what is a") == []  # "a" is an article, not a name begun
    assert complete(completer, "") == []


def test_while_typing_only_longer_fragments(completer: MlbotCompleter) -> None:
    assert complete(completer, "what does a c", tab=False) == []
    assert complete(completer, "what does a c", tab=True)


def test_slash_commands(completer: MlbotCompleter) -> None:
    assert [c.text for c in complete(completer, "/sa")] == ["/save-test"]
    assert {c.text for c in complete(completer, "/")} == {c.name for c in COMMANDS}
    assert complete(completer, "/rset")[0].text == "/reset"  # a typo
    for c in complete(completer, "/"):
        assert c.display_meta  # each shown with what it does


def test_save_test_completes_a_path(completer: MlbotCompleter, tmp_path: Any) -> None:
    (tmp_path / "session-file.yaml").write_text("")
    text = f"/save-test {tmp_path}/sess"
    found = complete(completer, text)
    assert [applied(text, c) for c in found] == [f"/save-test {tmp_path}/session-file.yaml"]


def test_a_failing_completer_reports_and_offers_nothing(bot: Bot, monkeypatch: Any) -> None:
    errors: list[BaseException] = []
    failing = MlbotCompleter(bot.knowledge.facts, [], on_error=errors.append)
    monkeypatch.setattr(completer_module, "score", lambda f, p: 1 / 0)
    assert complete(failing, "what does a comp") == []
    assert len(errors) == 1 and isinstance(errors[0], ZeroDivisionError)


def test_score_prefers_beginnings() -> None:
    assert score("comp", "computer vision engineer") == 100
    assert score("vision", "computer vision engineer") < 100
    assert score("xomp", "computer vision engineer") == 0  # the first letter must match
    assert score("", "anything") == 0
