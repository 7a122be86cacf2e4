"""Stage 4: a Reading, its intent ranking and the conversation so far -> what the question
is about (intent, roles, skills, level), or the clarifying question to ask.

Rules, in the order they are tried; the first that applies decides, and its name is the
`rule` that --explain and /why show:
  1. "choice narrowed": a word several choices of an open clarification share asks again.
  2. "pick out of range" / "clarification answered": a pending "which role do you mean?" is
     answered by a number, an ordinal, a word of a name or a role.
  3. "ellipsis: previous question, new names": a fragment of names alone ("and <title>?",
     "what about <skill>?") repeats the previous question form (out_of_scope included). A
     clause that opens a question of its own ("and can <x> be <y>?") is never a fragment.
  4. "ellipsis with an ambiguous title": a fragment naming a bare title word asks which.
  5. "all roles, from the conversation": "do they need <skill>?" after a question about what
     all roles need stays about all roles.
  6. "a step further along the path": "and after that?" after a path answer.
  7. Otherwise the best intent of the ranking, with its roles from, in turn: the question
     ("best intent"); the previous role and the one named ("is it above <role>?"); for a
     comparison, the previous roles ("compared the previous roles", "compared the last two
     roles", "compared with the previous role", "levels compared", "compare needs two
     roles"); a bare title word ("only role with that title", "ambiguous job title"); a
     level ("a level, not a role", "the level of the conversation"); the conversation
     ("role from the conversation", "which of the previous roles"); else "no role given".
The engine (engine.py) adds one more before these: the roles of a message's background are
the conversation's roles for that question, and after them "too unsure" when the best score
is too weak to answer.
"""

from __future__ import annotations

from ..model import Language
from ..records import Record, replace
from .entities import Reading
from .intents import Ranking

# intents whose question is about skills: an ellipsis keeps the skills of the turn before
SKILL_INTENTS = frozenset({"role_has_skill", "roles_for_skill", "common_skills", "recommend_role"})
# intents that can be about a level rather than a role ("and <level>?")
LEVEL_INTENTS = frozenset({"career_level", "career_next"})


class Context(Record):
    """What the conversation is about. Immutable: each answer carries the next one."""

    roles: tuple[str, ...] = ()
    skills: tuple[str, ...] = ()
    level: str | None = None
    intent: str | None = None  # the form of the last question ("role_skills")
    listed: tuple[str, ...] = ()  # roles of the last numbered list, for "the second one"
    pending: str | None = None  # intent waiting for the user to pick a role
    recent: tuple[str, ...] = ()  # roles talked about, latest first ("compare the two")
    pair: tuple[str, ...] = ()  # the last two or more roles asked about together ("the former")
    # the last answer's suggestions a bare "2" or "yes" picks (none when it listed roles)
    suggestions: tuple[str, ...] = ()
    # a refusal has said what the notes cover: later ones give just their own line
    told_scope: bool = False


class Resolved(Record):
    intent: str
    roles: tuple[str, ...]
    skills: tuple[str, ...]
    level: str | None
    # set when the bot must ask which role: the candidates (empty tuple: any role)
    clarify: tuple[str, ...] | None = None
    levels: tuple[str, ...] = ()  # every level the question names
    own_form: bool = True  # the question said what it asks (not names alone)
    # for an out-of-scope question about a title the notes lack: the question it would be
    # about a known role ("what does a <title> do?" -> role_overview), for the next follow-up
    form: str | None = None
    rule: str = "best intent"  # which context rule decided, for --explain


def _is_bare(reading: Reading, language: Language) -> bool:
    """True when the question says nothing of its own form: names, pronouns, fillers."""
    neutral = set(language.neutral_concepts)
    return (not (reading.concepts - neutral) and not reading.unexplained and not reading.unknown_roles
            and not reading.own_question)


def _pick(reading: Reading, context: Context) -> str | None:
    """The role an ordinal picks: of the roles just talked about when there are several
    ("the former", "the second one" after a comparison), else of the last numbered list."""
    if reading.ordinal is None:
        return None
    if context.pending:
        choices = context.listed
    elif len(context.roles) >= 2:
        choices = context.roles
    else:
        choices = context.pair if reading.pair_pick else context.listed
    n = reading.ordinal
    if n == -1 and choices:
        return choices[-1]
    if 1 <= n <= len(choices):
        return choices[n - 1]
    return None


def _pick_by_words(reading: Reading, context: Context, role_words: dict[str, frozenset[str]],
                   stopwords: frozenset[str]) -> tuple[str, ...]:
    """Choices of the last list (an open clarifying question's first) whose names have a
    word of the question: one picks it ("the <word> one"), several narrow the choice."""
    if not context.listed:
        return ()
    words = {w for w in reading.tokens if w not in stopwords}
    return tuple(rid for rid in context.listed if words & role_words.get(rid, frozenset()))


def _fits(intent: str | None, reading: Reading, named: tuple[str, ...], language: Language) -> bool:
    """Whether names alone can continue a question of this form."""
    if intent is None:
        return False
    if named or reading.skills:
        return True
    return bool(reading.level) and intent in LEVEL_INTENTS | {"out_of_scope"}


def resolve(reading: Reading, ranking: Ranking, context: Context, language: Language,
            candidates_for_head: dict[str, list[str]],
            role_words: dict[str, frozenset[str]] | None = None) -> Resolved:
    bare = _is_bare(reading, language)
    picked = _pick(reading, context)
    if picked is None and bare and role_words is not None and not reading.roles:
        hits = _pick_by_words(reading, context, role_words, language.vocabulary.stopwords)
        if len(hits) == 1:
            picked = hits[0]
        elif len(hits) > 1 and context.pending:
            # a word several choices share: ask again, among those only
            return Resolved(context.pending, (), reading.skills or context.skills, reading.level, clarify=hits,
                            rule="choice narrowed")
    named = reading.roles or ((picked,) if picked else ())

    # 1. answering "which role do you mean?"
    if context.pending and bare and not named and reading.ordinal is not None and context.listed:
        # a number that picks nothing: ask again with the same choices
        return Resolved(context.pending, context.roles if _takes(language, context.pending) == "two" else (),
                        reading.skills, reading.level, clarify=context.listed, rule="pick out of range")
    if context.pending and bare and named:
        skills = reading.skills or (context.skills if context.pending in SKILL_INTENTS else ())
        takes = _takes(language, context.pending)
        roles = named[:1] if takes == "one" else named
        if takes == "two" and len(roles) < 2:
            roles = (tuple(r for r in context.roles if r not in roles)[:1] + roles)
            if len(roles) < 2:
                return Resolved(context.pending, (), skills, reading.level, clarify=(), rule="compare needs two roles")
        return Resolved(context.pending, roles, skills, reading.level, rule="clarification answered")

    # 2. ellipsis: same question, new names
    if bare and _fits(context.intent, reading, named, language):
        return _ellipsis(reading, named, context, language)
    if bare and reading.bare_heads and context.intent and _takes(language, context.intent) != "none":
        # "what about a <head word>?": the same question, about a role still to be chosen
        return Resolved(context.intent, (), reading.skills or context.skills, reading.level,
                        clarify=_head_options(reading, candidates_for_head), rule="ellipsis with an ambiguous title")

    intent = ranking.best.intent
    if (intent in SKILL_INTENTS | {"role_skills"} and reading.pronoun and not named and not context.roles
            and context.intent == "common_skills"):
        # "do they need <skill>?" after a question about what all roles need: all roles
        return Resolved("common_skills", (), reading.skills, reading.level, rule="all roles, from the conversation")
    if (intent == "career_next" and not named and reading.pronoun and context.intent == "career_next"
            and context.level):
        # "and after that?": one more step from where the last answer arrived
        return Resolved(intent, (), reading.skills, context.level, rule="a step further along the path")
    takes = _takes(language, intent)
    skills = reading.skills
    level = reading.level
    if takes == "none":
        if intent in SKILL_INTENTS and not skills and reading.pronoun and context.skills:
            skills = context.skills  # "which roles list it?"
        own_form = bool(reading.concepts - language.neutral_concepts)
        return Resolved(intent, reading.roles if intent == "out_of_scope" else (), skills, level, own_form=own_form)

    if intent in SKILL_INTENTS and not skills and reading.pronoun and context.skills:
        skills = context.skills  # "does <role> use it?"
    roles = named
    # a pronoun, even inside a phrase ("get there"), points back at the previous role
    refers_back = reading.pronoun or any(t in language.vocabulary.pronouns for t in reading.tokens)
    if roles and refers_back and intent in LEVEL_INTENTS and context.roles:
        # "is it above <role>?", "how do I get there from <role>?": both roles
        earlier = tuple(r for r in context.roles if r not in roles)[:1]
        if earlier:
            ordered = roles + earlier if intent == "career_next" else earlier + roles
            return Resolved(intent, ordered, skills, level, rule="the previous role and the one named")
    if takes == "two" and len(roles) < 2:
        if reading.levels and not roles:
            # "the difference between <level> and <level>": say what each level holds
            return Resolved("career_level", (), (), level, levels=reading.levels, rule="levels compared")
        if not roles and len(context.roles) >= 2:
            return Resolved(intent, context.roles[:3], skills, level, rule="compared the previous roles")
        if not roles and len(context.recent) >= 2:
            return Resolved(intent, context.recent[1::-1], skills, level, rule="compared the last two roles")
        earlier = tuple(r for r in context.roles + context.recent if r not in roles)[:1]
        if roles and earlier:
            return Resolved(intent, earlier + roles, skills, level, rule="compared with the previous role")
        others = tuple(r for r in (role_words or {}) if r not in roles)
        return Resolved(intent, roles, skills, level, clarify=others if roles else (), rule="compare needs two roles")
    if roles:
        return Resolved(intent, roles, skills, level)
    if reading.bare_heads:
        options = _head_options(reading, candidates_for_head)
        if len(options) == 1:
            return Resolved(intent, options, skills, level, rule="only role with that title")
        return Resolved(intent, (), skills, level, clarify=options, rule="ambiguous job title")
    if intent in LEVEL_INTENTS and level and (not reading.pronoun or not context.roles
                                              or not reading.concepts.isdisjoint(("which_roles", "which_roles_hint"))):
        # "which of them are <level>?" asks for the level's roles
        return Resolved(intent, (), skills, level, levels=reading.levels, rule="a level, not a role")
    # after a question about a level, "what comes after that?" is about the level too; after
    # one about a role's level ("is that a <level> job?") "that" is the role
    if intent in LEVEL_INTENTS and context.level and (not reading.pronoun or (context.intent in LEVEL_INTENTS
                                                                           and len(context.roles) != 1)):
        return Resolved(intent, (), skills, context.level, rule="the level of the conversation")
    if context.roles:
        roles = context.roles
        if takes == "one" and len(roles) > 1:
            return Resolved(intent, (), skills, level, clarify=roles, rule="which of the previous roles")
        return Resolved(intent, roles, skills, level, rule="role from the conversation")
    return Resolved(intent, (), skills, level, clarify=(), rule="no role given")


def _head_options(reading: Reading, candidates_for_head: dict[str, list[str]]) -> tuple[str, ...]:
    """The roles a bare job-title word could mean, in the knowledge base's order."""
    return tuple(dict.fromkeys(r for h in reading.bare_heads for r in candidates_for_head.get(h, [])))


def _takes(language: Language, intent: str) -> str:
    spec = language.intents.get(intent)
    return spec.takes_roles if spec else "none"


def _ellipsis(reading: Reading, named: tuple[str, ...], context: Context, language: Language) -> Resolved:
    intent = context.intent or "role_overview"
    takes = _takes(language, intent)
    skills = reading.skills or (context.skills if intent in SKILL_INTENTS else ())
    level = reading.level
    roles: tuple[str, ...] = named
    if intent in ("roles_for_skill", "common_skills") and named and not reading.skills:
        # "and <title>?" after "which roles use <skill>?": does that role use it
        intent, takes = "role_has_skill", "many"
    elif takes == "none" and named and intent != "out_of_scope":
        # a role picked after a list ("the 5th"): tell about it
        intent, takes = "role_overview", "many"
    elif reading.skills and not named and intent not in SKILL_INTENTS and intent != "out_of_scope" and takes != "none":
        # "what about <skill>?" after a question about a role: does that role use it
        intent, takes = ("role_has_skill", "many") if context.roles else ("roles_for_skill", "none")
    if not named and takes != "none" and not (intent in LEVEL_INTENTS and reading.level):
        roles = context.roles  # names of another kind: the same roles (a level alone asks of the level)
    if takes == "two":
        if len(named) == 1 and context.roles:
            roles = (context.roles[0], named[0])
        roles = roles[:2]
    if takes == "none" and intent != "out_of_scope":
        roles = ()
    if intent in ("career_level", "career_next") and reading.level and not named:
        level = reading.level
    return Resolved(intent, roles, skills, level, rule="ellipsis: previous question, new names")


def next_context(context: Context, resolved: Resolved, answer_roles: tuple[str, ...],
                 listed: tuple[str, ...], answer_level: str | None = None,
                 suggestions: tuple[str, ...] = ()) -> Context:
    """The context after answering.

    An out-of-scope turn keeps what came before it: an open clarifying question stays open,
    and its question form is remembered only when it had one of its own (a follow-up that
    was not understood does not replace the question it followed). An answer naming exactly
    one role makes it the referent of "they"; a question naming none refers on to the roles
    its answer named ("which roles use X?" -> "what level are they?"). `answer_level` is where
    a path answer arrived ("what comes after X?" -> Y's level), for "and after that?".
    `suggestions` are the answer's pickable suggestions."""
    if resolved.clarify is not None:
        return replace(context, pending=resolved.intent, listed=resolved.clarify or context.listed,
                       intent=resolved.intent, roles=resolved.roles or context.roles,
                       skills=resolved.skills or context.skills, suggestions=())
    if resolved.intent == "out_of_scope":
        # keeps the conversation, but a known role it names becomes what "they" refers to
        form = resolved.form or ("out_of_scope" if resolved.own_form else context.intent)
        return replace(context, intent=form, skills=resolved.skills or context.skills,
                       roles=resolved.roles or context.roles, recent=_remember(context.recent, resolved.roles),
                       suggestions=suggestions, told_scope=True)
    if len(answer_roles) == 1 or (answer_roles and not resolved.roles):
        roles = answer_roles
    else:
        roles = resolved.roles or context.roles
    return Context(
        roles=roles, skills=resolved.skills or context.skills, level=answer_level or resolved.level,
        intent=resolved.intent, listed=listed or context.listed, pending=None,
        recent=_remember(context.recent, roles), pair=roles if len(roles) >= 2 else context.pair,
        suggestions=suggestions, told_scope=context.told_scope,
    )


def _remember(recent: tuple[str, ...], roles: tuple[str, ...]) -> tuple[str, ...]:
    """The last few distinct roles talked about, latest first."""
    return tuple(dict.fromkeys((*reversed(roles), *recent)))[:4]
