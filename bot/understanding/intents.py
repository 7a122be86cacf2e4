"""Stage 3: a Reading -> every intent scored, best first.

Scores are sums of weights (intents.yaml) over features of the question. They are only
compared with each other: what matters is the ranking and the margin, not the value.
"""

from __future__ import annotations

from math import exp, tanh

from ..model import IntentSpec, Language
from ..records import Record
from .entities import Reading


class Candidate(Record):
    intent: str
    score: float


class Ranking(Record):
    candidates: tuple[Candidate, ...]  # best first
    confidence: float
    features: tuple[tuple[str, float], ...]

    @property
    def best(self) -> Candidate:
        return self.candidates[0]

    @property
    def margin(self) -> float:
        if len(self.candidates) < 2:
            return self.candidates[0].score
        return self.candidates[0].score - self.candidates[1].score


def features_of(reading: Reading, context_roles: int, listed: int, context_level: bool = False,
                context_skills: int = 0) -> dict[str, float]:
    """The features intents are weighed on. `context_roles` is how many roles the
    conversation is about; `listed` how many items the last numbered list had."""
    f: dict[str, float] = {concept: 1.0 for concept in reading.concepts}
    f["bias"] = 1.0
    if reading.roles:
        f["role"] = 1.0
    if len(reading.roles) >= 2:
        f["two_roles"] = 1.0
    if reading.skills:
        f["skill_entity"] = 1.0
    if len(reading.skills) >= 2:
        f["two_skills"] = 1.0
    if reading.level:
        f["level_entity"] = 1.0
    if len(reading.levels) >= 2:
        f["two_levels"] = 1.0
    if reading.domain:
        f["domain"] = 1.0
    if reading.level and not reading.roles and "what_is" in reading.concepts and "next" not in reading.concepts:
        # "what is the <level>?" asks what the level is, not the way there
        f["asks_level"] = 1.0
    if reading.bare_heads:
        f["bare_head"] = 1.0
    if reading.unknown_roles:
        f["unknown_role"] = 1.0
    if reading.pronoun:
        f["pronoun"] = 1.0
        if context_roles:
            f["ref_role"] = 1.0
        # "it" can mean the skill talked about only where it cannot mean a role: the question
        # names its role ("does <role> use it?") or asks which roles ("which roles list it?")
        asks_which = not reading.concepts.isdisjoint(("which_roles", "which_roles_hint"))
        if context_skills and not reading.skills and (reading.roles or asks_which or not context_roles):
            f["ref_skill"] = 1.0
    if context_roles and not reading.roles:
        f["ctx_role"] = 1.0
    if context_level and not reading.roles and not reading.level:
        f["ctx_level"] = 1.0
    if reading.ordinal is not None and (listed or context_roles >= 2 or reading.pair_pick):
        f["ordinal"] = 1.0
    if reading.yes_no:
        f["yes_no"] = 1.0
    if reading.unexplained:
        # how much of the question nothing explains: a few stray words in a long question
        # (a preamble, the asker's background) weigh little, the same words alone a lot
        unexplained = len(reading.unexplained)
        f["unexplained"] = unexplained * unexplained / max(reading.content, unexplained)
    if reading.work_words:
        f["work_words"] = 1.0
        if len(set(reading.work_words)) >= 2:
            # a described line of work ("models ... in production"), not one stray word
            f["work_focus"] = 1.0
    if (reading.yes_no and "has" in reading.concepts and not reading.skills and 1 <= len(reading.unexplained) <= 2
            and reading.tokens and reading.unexplained[-1].lower() == reading.tokens[-1]
            and not reading.concepts & {"off_topic", "list", "overview"}):
        # "do these jobs need <X>?": a yes/no question about a skill the notes never name
        f["unknown_skill"] = 1.0
    if reading.content:
        f["content"] = float(reading.content)
    return f


class CompiledIntent(Record):
    """An IntentSpec as sets and pairs, for scoring without dictionary lookups."""

    id: str
    forbids: frozenset[str]
    requires: tuple[frozenset[str], ...]
    weights: tuple[tuple[str, float], ...]
    # one of these must be present (None: the intent needs no anchor): the shared anchors
    # (names of the notes' roles, skills, levels, the field, references into the conversation)
    # and the intent's own cues; generic words alone ("want", "list", "next") never fire it
    anchors: frozenset[str] | None = None


def compile_intents(language: Language) -> tuple[CompiledIntent, ...]:
    """Built once per knowledge base (the Bot keeps it)."""
    def anchors(spec: IntentSpec) -> frozenset[str] | None:
        if not language.anchors or spec.id in language.unanchored:
            return None
        return language.anchors | frozenset(spec.cues)

    return tuple(CompiledIntent(spec.id, frozenset(spec.forbids), tuple(frozenset(g) for g in spec.requires),
                                tuple(spec.weights.items()), anchors(spec)) for spec in language.intents.values())


def rank_intents(reading: Reading, language: Language, context_roles: int = 0,
                 listed: int = 0, context_level: bool = False,
                 compiled: tuple[CompiledIntent, ...] | None = None, context_skills: int = 0) -> Ranking:
    f = features_of(reading, context_roles, listed, context_level, context_skills)
    present = {name for name, value in f.items() if value}
    scored = []
    # plain loops: this runs for every intent of every question
    for spec in compiled if compiled is not None else compile_intents(language):
        if not spec.forbids.isdisjoint(present) or (spec.anchors is not None and spec.anchors.isdisjoint(present)):
            continue
        for group in spec.requires:
            if group.isdisjoint(present):
                break
        else:
            score = 0.0
            for name, weight in spec.weights:
                value = f.get(name)
                if value is not None:
                    score += weight * value
            scored.append(Candidate(spec.id, round(score, 3)))
    scored.sort(key=lambda c: -c.score)
    settings = language.settings
    min_score = settings.get("min_score", 1.5)
    if not scored or scored[0].score < min_score:
        # nothing clears the bar: not understood
        oos = next((c for c in scored if c.intent == "out_of_scope"), Candidate("out_of_scope", 0.0))
        scored = [oos] + [c for c in scored if c is not oos]
    best = scored[0].score
    runner_up = scored[1].score if len(scored) > 1 else 0.0
    confidence = (1 - exp(-max(best, 0.0) / settings.get("score_scale", 2.5))) * (
        0.5 + 0.5 * tanh(max(best - runner_up, 0.0) / settings.get("margin_scale", 1.5))
    )
    return Ranking(tuple(scored), round(min(max(confidence, 0.0), 1.0), 3),
                   tuple(sorted(f.items())))
