"""The knowledge base as frozen records: the facts of the notes and the language used
to understand questions about them. Built once by `bot.loader`; read-only afterwards."""

from __future__ import annotations

from collections.abc import Mapping

from .mapping import FrozenMap
from .records import Record, field


class Role(Record):
    id: str
    name: str
    aliases: tuple[str, ...]
    focus: str | None = None
    skills: tuple[str, ...] = ()
    skills_as_written: str | None = None
    tasks: tuple[str, ...] = ()

    @property
    def in_table(self) -> bool:
        """True for roles the notes describe; False for roles named only in the path."""
        return self.focus is not None


class Skill(Record):
    name: str
    aliases: tuple[str, ...] = ()
    # a name that also names a role: read as the skill only when the words around it
    # say so ("<name> skills", "know <name>")
    also_names_role: bool = False


class Level(Record):
    id: str
    name: str
    word: str
    aliases: tuple[str, ...]
    roles: tuple[str, ...]


class CommonSkill(Record):
    text: str
    skills: tuple[str, ...]


class Facts(Record):
    title: str
    domain_name: str
    domain_aliases: tuple[str, ...]
    covers: str
    introduction: tuple[str, ...]
    common_skills: tuple[CommonSkill, ...]
    summary: tuple[str, ...]
    roles: tuple[Role, ...]
    skills: tuple[Skill, ...]
    levels: tuple[Level, ...]
    progression: str = ""
    role_by_id: Mapping[str, Role] = field(default_factory=FrozenMap, compare=False)
    skill_by_name: Mapping[str, Skill] = field(default_factory=FrozenMap, compare=False)
    level_by_id: Mapping[str, Level] = field(default_factory=FrozenMap, compare=False)
    level_of_role: Mapping[str, str] = field(default_factory=FrozenMap, compare=False)

    def level_index(self, level_id: str) -> int:
        return [level.id for level in self.levels].index(level_id)


class IntentSpec(Record):
    id: str
    weights: Mapping[str, float]
    # each group is satisfied when any feature in it is present; all groups must be
    requires: tuple[tuple[str, ...], ...] = ()
    forbids: tuple[str, ...] = ()
    # how the intent uses roles: none | one | many | two
    takes_roles: str = "none"
    examples: tuple[str, ...] = ()
    # features that anchor this intent alone, beside the anchors every topic intent has
    cues: tuple[str, ...] = ()


class Vocabulary(Record):
    stopwords: frozenset[str]
    common_words: frozenset[str]
    rewrites: Mapping[str, str]
    pronouns: frozenset[str]
    role_head_words: frozenset[str]
    skill_nouns: frozenset[str]
    skill_verbs: frozenset[str]
    ordinals: Mapping[str, int]
    yes_no_starts: frozenset[str]
    determiners: frozenset[str] = frozenset()
    pick_words: frozenset[str] = frozenset()
    pair_ordinals: frozenset[str] = frozenset()
    # the reading stage's cues: words that open a question or a request, and fillers before them
    question_words: frozenset[str] = frozenset()
    imperatives: frozenset[str] = frozenset()
    fillers: frozenset[str] = frozenset()
    # "my", "your": a one-word role alias after one is something owned ("my <abbreviation>")
    possessives: frozenset[str] = frozenset()
    # a capitalised unknown word after one of these is a named company or place ("at <Name>")
    place_words: frozenset[str] = frozenset()


class RefusalKind(Record):
    """One kind of question the notes cannot answer: its trigger phrases as written,
    the line that says what is missing, and the follow-up templates that suit it."""

    id: str
    phrases: tuple[str, ...]
    line: str
    suggest: tuple[str, ...] = ()


class Answering(Record):
    """answers.yaml: the kinds of refusal, the cues that shape an answer ("both", "but not",
    "enough"), the words that pick a suggestion, and cross-role lines a word points to."""

    refusals: tuple[RefusalKind, ...] = ()
    cues: Mapping[str, tuple[str, ...]] = field(default_factory=FrozenMap)
    see_also: Mapping[str, tuple[str, ...]] = field(default_factory=FrozenMap)
    yes_words: frozenset[str] = frozenset()
    pick_words: frozenset[str] = frozenset()


class Language(Record):
    concepts: Mapping[str, tuple[str, ...]]
    intents: Mapping[str, IntentSpec]
    templates: Mapping[str, str]
    vocabulary: Vocabulary
    settings: Mapping[str, float]
    neutral_concepts: frozenset[str] = frozenset()
    # a topic intent is scored only when one of these (or one of its own cues) is present
    anchors: frozenset[str] = frozenset()
    # intents that need no anchor: small talk and out_of_scope
    unanchored: frozenset[str] = frozenset()
    # how answers are shaped beyond templates (answers.yaml): refusal kinds, question cues
    answering: Answering = field(default_factory=lambda: Answering())


class Knowledge(Record):
    facts: Facts
    language: Language
    source: str
