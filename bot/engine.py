"""The Bot: one call, `answer(question, context) -> Answer`, running the pipeline
normalise -> entities -> intents -> context -> answers. Interfaces (CLI, REPL, test runner)
are thin shells over it; nothing here prints or imports prompt_toolkit."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from .answers import Composed, Composer
from .model import Knowledge
from .problems import KnowledgeError, Problem
from .records import Record, field, replace
from .understanding.context import Context, Resolved, next_context, resolve
from .understanding.entities import (
    PhraseIndex,
    Reading,
    is_topic,
    known_words,
    name_words,
    read_question,
    with_background,
)
from .understanding.intents import Ranking, compile_intents, rank_intents
from .understanding.lexicon import build_lexicon
from .understanding.normalise import MAX_QUESTION_CHARS, Normaliser, clean_text
from .understanding.reading import Clause, ReadingCues, asking_clauses, split_clauses

TYPE_CHECKING = False  # `typing` costs ~1.5 ms a start; only the type checker needs it
if TYPE_CHECKING:
    from typing import Any
else:
    Any = object  # the base Mapping[str, Any] of Explanation needs a name at run time

# every {name} the answers fill in; a template naming another is a mistake caught on load
TEMPLATE_FIELDS = frozenset({
    "a_last_role", "a_level_word", "a_role", "an_other", "asked_title", "asked_word", "before", "choices",
    "common_line",
    "count", "covers", "end_level", "evidence", "examples", "example", "field", "first_level_word", "focus_a",
    "focus_b", "focus", "introduction", "level_a", "level_b", "level_others", "level_roles", "level_word",
    "level", "matched", "next_level", "next_roles", "next_word", "number", "other_skill", "path_place",
    "question", "role_a", "role_b", "roles", "role", "shared", "skill_list", "skills_as_written", "skills", "options",
    "skill", "start_level", "steps", "task_list", "tasks_a", "tasks_b", "tasks", "title", "words",
})

REQUIRED_TEMPLATES = (
    "role_overview", "role_overview_path_only", "role_skills", "role_skills_path_only", "role_tasks",
    "role_tasks_path_only", "role_has_skill_yes", "role_has_skill_no", "career_level_role",
    "career_level_level", "career_path_step", "career_next_role", "career_next_last", "career_become",
    "role_compare_head", "roles_for_skill", "common_skills_head", "recommend_best", "list_roles_head",
    "list_roles_item", "ml_overview", "summary_head", "greeting", "thanks", "goodbye", "help",
    "clarify_role", "out_of_scope", "suggest_only", "ask_overview", "empty_question",
)


class Answer(Record):
    question: str
    intent: str
    confidence: float
    roles: tuple[str, ...]
    skills: tuple[str, ...]
    level: str | None
    text: str
    sources: tuple[str, ...]
    suggestions: tuple[str, ...]
    context: Context
    understood: bool = True  # False: out of scope or a clarifying question (exit 1)
    facts: tuple[str, ...] = ()  # the notes' phrases the answer quotes
    notice: str | None = None  # e.g. the question was cut to the length limit
    picked: str | None = None  # the suggested question a pick ("2", "yes") chose
    explanation: Mapping[str, Any] = field(default_factory=dict, compare=False)
    blocks: tuple[tuple[str, object], ...] = field(default=(), compare=False)

    def to_json(self) -> dict[str, Any]:
        """The contract's JSON object for one answer."""
        return {
            "question": self.question, "intent": self.intent, "confidence": self.confidence,
            "entities": {"roles": list(self.roles), "skills": list(self.skills), "level": self.level},
            "answer": self.text, "sources": list(self.sources), "suggestions": list(self.suggestions),
        }


class Bot:
    """Answers questions about one knowledge base. Build once, ask many times."""

    def __init__(self, knowledge: Knowledge) -> None:
        missing = [key for key in REQUIRED_TEMPLATES if key not in knowledge.language.templates]
        if missing:
            raise KnowledgeError([Problem("templates.yaml", 0, f"missing template {key!r}") for key in missing])
        self.knowledge = knowledge
        vocabulary = knowledge.language.vocabulary
        words = known_words(knowledge)
        grammar = vocabulary.pronouns | vocabulary.determiners | vocabulary.yes_no_starts
        self.normaliser = Normaliser(words, dict(vocabulary.rewrites), vocabulary.stopwords | vocabulary.pronouns,
                                     build_lexicon(words, grammar), name_words(knowledge))
        self.index = PhraseIndex(knowledge, self.normaliser)
        self.cues = ReadingCues.of(vocabulary)
        self.composer = Composer(knowledge, lambda phrase: self.normaliser.phrase_tokens(phrase, lemmas=True))
        answering = knowledge.language.answering
        self._yes_words = answering.yes_words
        self._pick_words = answering.pick_words | vocabulary.pick_words
        self._ordinals = vocabulary.ordinals
        prefix, _, _ = knowledge.language.templates.get("did_you_mean", "").partition("{question}")
        self._did_you_mean_prefix = prefix
        self.intents = compile_intents(knowledge.language)
        settings = knowledge.language.settings
        self.did_you_mean_below = settings.get("did_you_mean_below", 0.55)
        self.suggest_only_below = settings.get("suggest_only_below", 0.3)

    def read(self, question: str) -> tuple[str, bool, Reading]:
        text, cut = clean_text(question, MAX_QUESTION_CHARS)
        return text, cut, self._read_message(text)

    def _read_message(self, text: str) -> Reading:
        """The question inside the message: the asking clause read, the background lending it
        only what a question may borrow (reading.py)."""
        clauses = split_clauses(text, self.cues)
        if len(clauses) == 1:
            return self._read_text(text)
        asking, background = asking_clauses(clauses, self._is_small_talk)
        asking_text = " ".join(c.text for c in asking)
        reading = self._read_text(asking_text)
        if not background:
            return reading
        told = self._read_text(" ".join(c.text for c in background))
        if is_topic(told) and not (reading.roles or reading.skills or reading.level or reading.domain):
            # "<role> vs <role>, where does one end?": the names before the question are what
            # it asks about, so the message is read whole
            return self._read_text(text)
        return with_background(reading, told, asking_text)

    def _read_text(self, text: str) -> Reading:
        return read_question(self.normaliser.tokens(text), self.index)

    def _is_small_talk(self, clause: Clause) -> bool:
        """A clause that is small talk and nothing else ("Bye!", not "I need to go pick up <x>")."""
        reading = self._read_text(clause.text)
        return not reading.concepts.isdisjoint(self.index.small_talk) and not reading.content

    def answer(self, question: str, context: Context | None = None, *, conversational: bool = True) -> Answer:
        """The answer to `question` after `context`. `conversational` is False where no next
        question can follow (`mlbot ask`): no answer then invites the user to type one."""
        context = context or Context()
        typed = question
        picked = self.picked_suggestion(question, context)
        if picked is not None:
            # "2", "the second", "yes": the question the last answer suggested
            question = picked
        text, cut, reading = self.read(question)
        if not text:
            return self._empty_answer(context, conversational)
        if reading.background_roles and not context.pending:
            # the roles of the asker's own story are what this question is about
            context = replace(context, roles=reading.background_roles)
        ranking = rank_intents(reading, self.knowledge.language, len(context.roles), len(context.listed),
                               context.level is not None, self.intents, len(context.skills))
        resolved = resolve(reading, ranking, context, self.knowledge.language, self.index.roles_by_head,
                           self.index.role_words)
        if resolved.intent == "out_of_scope" and reading.unknown_roles and resolved.own_form:
            resolved = replace(resolved, form=self._form_with_a_known_role(reading, context))
        if (resolved.intent == "out_of_scope" and reading.skills and not reading.roles and resolved.clarify is None
                and self.composer.cue("enough", reading.tokens) is not None):
            # "is <skill> enough to get started?": a question about a skill that names no role
            resolved = Resolved("common_skills", (), reading.skills, reading.level, rule="is a skill enough")
        elif (resolved.intent in ("common_skills", "role_has_skill") and not resolved.skills
              and resolved.clarify is None and self.composer.refusal_kind(reading.tokens) is not None):
            # "do I need a PhD?": not a skill of the notes but a kind of question they lack
            resolved = Resolved("out_of_scope", resolved.roles, (), resolved.level, rule="a kind the notes lack")
        confidence = ranking.confidence
        if resolved.rule.startswith(("ellipsis", "clarification")):
            # the question borrowed its form from the conversation; trust it as much as the names
            confidence = max(confidence, 0.7)
        if resolved.clarify is not None:
            composed = self.composer.clarify(resolved)
        elif (resolved.intent != "out_of_scope" and confidence < self.suggest_only_below
              and not resolved.rule.startswith(("ellipsis", "clarification"))):
            if self.composer.refusal_kind(reading.tokens) is not None:
                # too unsure of the topic, sure of the kind: say what the notes lack
                resolved = Resolved("out_of_scope", resolved.roles, resolved.skills, resolved.level,
                                    rule="too unsure; a kind the notes lack")
                composed = self.composer.compose(resolved, reading, context, conversational)
            else:
                resolved, composed = self._suggest_only(resolved, reading, ranking)
        else:
            composed = self.composer.compose(resolved, reading, context, conversational)
            if resolved.intent != "out_of_scope" and confidence < self.did_you_mean_below:
                composed = self._did_you_mean(composed, reading, ranking, resolved)
        if resolved.clarify is None and resolved.intent != "out_of_scope":
            composed = self._without_the_question_answered(composed, resolved, text)
        # suggestions are picked by number unless the answer listed roles (then a number picks a
        # role, and only "yes" picks, a "did you mean")
        pickable: tuple[str, ...] = ()
        if resolved.clarify is None:
            pickable = composed.suggestions if not composed.listed else tuple(
                s for s in composed.suggestions[:1] if self._did_you_mean_prefix
                and s.startswith(self._did_you_mean_prefix))
        new_context = next_context(context, resolved, composed.named_roles, composed.listed, composed.level,
                                   pickable)
        notice = f"(Your question was cut to its first {MAX_QUESTION_CHARS} characters.)" if cut else None
        roles = () if resolved.clarify is not None else resolved.roles
        return Answer(
            # the question as the user typed it, also when it picked a suggestion ("2")
            question=text if picked is None else clean_text(typed, MAX_QUESTION_CHARS)[0],
            intent=resolved.intent, confidence=confidence, roles=roles,
            skills=resolved.skills, level=resolved.level, text=composed.text, sources=composed.sources,
            suggestions=composed.suggestions, context=new_context, understood=composed.understood,
            facts=composed.facts, notice=notice, picked=picked,
            explanation=self._explain(reading, ranking, resolved, composed), blocks=composed.blocks,
        )

    def _empty_answer(self, context: Context, conversational: bool = True) -> Answer:
        """Nothing to answer (blank, or only control characters): an invitation to ask, out of
        scope (exit 1), and the conversation's context unchanged: a blank line is not a turn."""
        facts = self.knowledge.facts
        text = self.composer.say("empty_question", title=facts.title, covers=facts.covers)
        if conversational and "help_hint" in self.knowledge.language.templates:
            text += " " + self.composer.say("help_hint")
        return Answer(question="", intent="out_of_scope", confidence=1.0, roles=(), skills=(), level=None,
                      text=text,
                      sources=(), suggestions=self.composer.examples(3), context=context, understood=False,
                      explanation={"rule": "empty question", "candidates": [], "sources": []})

    def picked_suggestion(self, question: str, context: Context) -> str | None:
        """The suggestion a bare pick chooses: "2", "number 2", "#2", "the second", or "yes" for
        a single "did you mean". None when the message is not a pick, or picks nothing."""
        offered = context.suggestions
        if not offered or context.pending or len(question) > 40:
            return None
        words = [t.text for t in self.normaliser.tokens(question)]
        if not words:
            return None
        prefix = self._did_you_mean_prefix
        if all(w in self._yes_words for w in words):
            meant = [s for s in offered if prefix and s.startswith(prefix)]
            return meant[0][len(prefix):] if len(meant) == 1 else None
        numbers = [n for w in words if (n := self._number(w)) is not None]
        if len(numbers) != 1 or not all(w in self._pick_words or self._number(w) is not None for w in words):
            return None
        if len(offered) == 1 and prefix and offered[0].startswith(prefix):
            return None  # a lone "did you mean" beside a list of roles: a number picks a role
        n = numbers[0]
        index = len(offered) - 1 if n == -1 else n - 1
        if not 0 <= index < len(offered):
            return None
        chosen = offered[index]
        return chosen[len(prefix):] if prefix and chosen.startswith(prefix) else chosen

    def _number(self, word: str) -> int | None:
        if word.isascii() and word.isdigit() and len(word) < 4:
            return int(word)
        return self._ordinals.get(word)

    def _form_with_a_known_role(self, reading: Reading, context: Context) -> str | None:
        """What the question would ask of a role the notes name: the form a follow-up
        ("what about <known role> then?") keeps. None when it is out of scope anyway."""
        as_known = replace(reading, unknown_roles=(), roles=("",))
        alternative = rank_intents(as_known, self.knowledge.language, len(context.roles), len(context.listed),
                                   context.level is not None, self.intents)
        best = alternative.best.intent
        return None if best == "out_of_scope" else best

    def _runner_up_question(self, ranking: Ranking, resolved: Resolved) -> str | None:
        for candidate in ranking.candidates[1:3]:
            example = self.composer.example(candidate.intent, resolved.roles, resolved.skills)
            if candidate.intent in ("out_of_scope", resolved.intent) or not example:
                continue
            return example
        return None

    def _without_the_question_answered(self, composed: Composed, resolved: Resolved, text: str) -> Composed:
        """No suggestion asks again what this answer just answered (the question as typed, or
        the intent's own example about the same roles and skills), nor twice the same."""
        answered = {text.casefold().rstrip("?!. ")}
        example = self.composer.example(resolved.intent, resolved.roles, resolved.skills)
        if example:
            answered.add(example.casefold().rstrip("?!. "))
        prefix = self._did_you_mean_prefix or ""
        kept: list[str] = []
        seen: set[str] = set()
        for suggestion in composed.suggestions:
            key = suggestion.removeprefix(prefix).casefold().rstrip("?!. ")
            if key in answered or key in seen:
                continue
            seen.add(key)
            kept.append(suggestion)
        if len(kept) == len(composed.suggestions):
            return composed
        return replace(composed, suggestions=tuple(kept))

    def _did_you_mean(self, composed: Composed, reading: Reading, ranking: Ranking,
                      resolved: Resolved) -> Composed:
        question = self._runner_up_question(ranking, resolved)
        if not question:
            return composed
        hint = self.composer.say("did_you_mean", question=question)
        rest = tuple(s for s in composed.suggestions if s != question)
        return Composed(composed.text, composed.sources, (hint, *rest)[:4],
                        composed.named_roles, composed.listed, composed.facts, composed.understood,
                        composed.blocks)

    def _suggest_only(self, resolved: Resolved, reading: Reading, ranking: Ranking) -> tuple[Resolved, Composed]:
        options = []
        for candidate in ranking.candidates[:3]:
            example = self.composer.example(candidate.intent, resolved.roles, resolved.skills)
            if example and candidate.intent != "out_of_scope":
                options.append(example)
        resolved = Resolved("out_of_scope", resolved.roles, resolved.skills, resolved.level, rule="too unsure")
        text = self.composer.say("suggest_only", options=" or ".join(f'"{o}"' for o in options[:2]))
        return resolved, Composed(text, (), tuple(options), understood=False)

    def _explain(self, reading: Reading, ranking: Ranking, resolved: Resolved, composed: Composed) -> Explanation:
        return Explanation(reading, ranking, resolved, composed)


class Explanation(Mapping[str, Any]):
    """Why an answer came out as it did (for --explain, /why, test reports). A mapping built
    only when read: most answers are never explained, and building it is a few per cent of
    a question's cost."""

    def __init__(self, reading: Reading, ranking: Ranking, resolved: Resolved, composed: Composed) -> None:
        self._parts = (reading, ranking, resolved, composed)
        self._data: dict[str, Any] | None = None

    def _built(self) -> dict[str, Any]:
        if self._data is None:
            reading, ranking, resolved, composed = self._parts
            self._data = {
                "candidates": [{"intent": c.intent, "score": c.score} for c in ranking.candidates[:5]],
                "margin": round(ranking.margin, 3),
                "rule": resolved.rule,
                "intent": resolved.intent,
                # the clause the intent was read from, when the message had a background
                "asking": reading.asking,
                "mentions": [{"kind": m.kind, "name": m.key or m.kind, "words": m.words} for m in reading.mentions],
                "corrections": [{"typed": a, "read_as": b} for a, b in reading.corrections],
                "unexplained": list(reading.unexplained),
                "unknown_roles": list(reading.unknown_roles),
                "sources": list(composed.sources),
            }
        return self._data

    def __getitem__(self, key: str) -> Any:
        return self._built()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._built())

    def __len__(self) -> int:
        return len(self._built())
