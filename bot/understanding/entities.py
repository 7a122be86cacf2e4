"""Stage 2: tokens -> a Reading: the roles, skills, level and concepts a question names,
which words nothing explains, and the cues for references ("they", "the second one").

Matching is exact over normalised tokens (typos were corrected in stage 1), longest phrase
first, so a short alias never matches inside a longer name that contains it, and one word
shared by several titles never matches a whole role.
"""

from __future__ import annotations

from ..model import Knowledge, Language, Vocabulary
from ..records import Record, field, replace
from .normalise import Normaliser, Token, split_words, stem

ROLE, SKILL, LEVEL, DOMAIN, CONCEPT = "role", "skill", "level", "domain", "concept"


class Target(Record):
    kind: str  # role | skill | level | domain | concept
    key: str  # role id, skill name, level id, concept name ("" for the domain)


class Mention(Record):
    kind: str
    key: str
    start: int  # token span [start, end)
    end: int
    words: str  # the words as typed


class Reading(Record):
    """What a question says, before conversation context is applied."""

    tokens: tuple[str, ...]
    roles: tuple[str, ...] = ()
    skills: tuple[str, ...] = ()
    level: str | None = None
    levels: tuple[str, ...] = ()  # every level named, in order ("<level> and <level>")
    domain: bool = False
    concepts: frozenset[str] = frozenset()
    bare_heads: tuple[str, ...] = ()  # job-title words with no known role ("an <head word>")
    unknown_roles: tuple[str, ...] = ()  # job titles the notes do not cover ("<word> <head word>")
    pronoun: bool = False
    ordinal: int | None = None  # 1-based pick from a numbered list; -1 for "the last"
    pair_pick: bool = False  # the ordinal picks from the last pair of roles ("the former")
    yes_no: bool = False
    unexplained: tuple[str, ...] = ()
    content: int = 0  # meaningful words that are not small talk
    work_words: tuple[str, ...] = ()  # words of the question found in what roles do (focus, tasks)
    mentions: tuple[Mention, ...] = field(default=(), compare=False)
    corrections: tuple[tuple[str, str], ...] = ()
    # roles named in the message's background (the asker's own story), for a question that
    # names none: "I've been a <role> for a year. What's the next step for me?"
    background_roles: tuple[str, ...] = ()
    asking: str = ""  # the asking clause, when the message had a background
    # it opens with a question form of its own ("and can <x> be <y>?"), not a fragment
    # ("and <x>?", "what about <x>?"): it is read on its own, never as an ellipsis
    own_question: bool = False


# concepts that make a question about the asker, who may have told their skills before asking
ABOUT_THE_ASKER = frozenset({"first_person", "recommend", "which_roles", "which_roles_hint"})
# a question about roles may also take the skills the asker just listed ("... which career?")
TAKES_THE_ASKERS_SKILLS = ABOUT_THE_ASKER | {"role_word"}
OFF_TOPIC = frozenset({"off_topic"})
# concepts of a question asking for a role: "them" there is what the role would work on
ASKS_FOR_A_ROLE = ABOUT_THE_ASKER - {"first_person"}
# "who" asks for a person only where a clause opens with it; elsewhere it is relative
RELATIVE = "which_roles_hint"


def is_topic(background: Reading) -> bool:
    """A background that only names things ("<role> vs <role>", "<skill> -"): the subject of the
    question after it, not a story about the asker."""
    return bool(background.roles or background.skills) and not background.unexplained and (
        background.concepts.isdisjoint(ABOUT_THE_ASKER))


def with_background(asking: Reading, background: Reading, asking_text: str) -> Reading:
    """The asking clause's reading, with what it may borrow from the background: its roles as
    what the question is about when it names none, the asker's skills and the work they
    describe for a question about the asker, and the field for "it". Nothing else of the
    background counts: its concepts, off-topic and unexplained words stay out."""
    changes: dict[str, object] = {"asking": asking_text}
    if not asking.roles and background.roles:
        changes["background_roles"] = background.roles
    names_nothing = not (asking.roles or asking.skills or asking.level or asking.domain)
    about_the_asker = not asking.concepts.isdisjoint(ABOUT_THE_ASKER)
    takes_skills = about_the_asker or (not asking.concepts.isdisjoint(TAKES_THE_ASKERS_SKILLS)
                                       and not asking.level)
    if not asking.skills and background.skills and (takes_skills or (asking.pronoun and names_nothing)):
        # the asker's skills, or what "it" names ("<skill> - what is it?")
        changes["skills"] = background.skills
        changes["mentions"] = asking.mentions + tuple(m for m in background.mentions if m.kind == SKILL)
    if about_the_asker and background.work_words:
        changes["work_words"] = asking.work_words + background.work_words
    if asking.pronoun and not background.concepts.isdisjoint(OFF_TOPIC):
        # "I have an interview for <role>. What will they ask?": "they" brings the topic along
        changes["concepts"] = asking.concepts | OFF_TOPIC
    if asking.pronoun and names_nothing and "skills" not in changes:
        # "it" is what the background talked about: the field, or else whatever it was
        # ("I lost my <thing>, can you help me find it?" asks about that thing)
        if background.domain:
            changes["domain"] = True
        elif not background.roles and background.unexplained and asking.concepts.isdisjoint(ASKS_FOR_A_ROLE):
            changes["unexplained"] = asking.unexplained + background.unexplained
            changes["content"] = asking.content + background.content
            changes["concepts"] = asking.concepts | (background.concepts & OFF_TOPIC)
    return replace(asking, **changes)  # type: ignore[arg-type]


SMALL_TALK = frozenset({"greeting", "thanks", "goodbye", "help"})
_SELF_INTRO = Target(CONCEPT, "self_intro")


class PhraseIndex:
    """Every name, alias and concept phrase of a knowledge base, ready for matching."""

    def __init__(self, knowledge: Knowledge, normaliser: Normaliser) -> None:
        facts, language = knowledge.facts, knowledge.language
        self.vocabulary = language.vocabulary
        self.normaliser = normaliser
        self.phrases: dict[tuple[str, ...], set[Target]] = {}
        self._targets: dict[Target, Target] = {}
        self.gapped: list[tuple[tuple[str, ...], tuple[str, ...], str]] = []
        self.skill_role: dict[str, str] = {}  # skill that also names a role -> the role id
        for role in facts.roles:
            for name in (role.name, *role.aliases):
                self._add(name, Target(ROLE, role.id))
            # "Name (qualifier)" is also just "Name"
            if "(" in role.name:
                self._add(role.name.split("(")[0], Target(ROLE, role.id))
        for skill in facts.skills:
            for name in (skill.name, *skill.aliases):
                self._add(name, Target(SKILL, skill.name))
        for level in facts.levels:
            for name in (level.name, level.word, *level.aliases):
                self._add(name, Target(LEVEL, level.id))
        for name in (facts.domain_name, *facts.domain_aliases):
            if name:
                self._add(name, Target(DOMAIN, ""))
        for concept, phrases in language.concepts.items():
            for phrase in phrases:
                if "..." in phrase:
                    left, right = phrase.split("...", 1)
                    # matched against the question's lemmas: the words around a gap are loose anyway
                    self.gapped.append((normaliser.phrase_tokens(left, lemmas=True),
                                        normaliser.phrase_tokens(right, lemmas=True), concept))
                else:
                    self._add(phrase, Target(CONCEPT, concept))
        self.longest = max((len(p) for p in self.phrases), default=1)
        # the longest phrase starting with each word: most words start none, and the
        # matcher then tries no slice at all
        self.longest_from: dict[str, int] = {}
        for tokens in self.phrases:
            if len(tokens) > self.longest_from.get(tokens[0], 0):
                self.longest_from[tokens[0]] = len(tokens)
        # role names by their head word, for "what does an <head word> do?"
        self.roles_by_head: dict[str, list[str]] = {}
        for role in facts.roles:
            for word in normaliser.phrase_tokens(role.name.split("(")[0]):
                if word in self.vocabulary.role_head_words:
                    self.roles_by_head.setdefault(word, []).append(role.id)
        self.notes_words = _notes_words(knowledge, normaliser)
        self.work_words = _work_words(knowledge, normaliser)
        # the words of each role's names, to pick one of several by a word ("the <word> one")
        self.role_words = {
            role.id: frozenset(w for name in (role.name, *role.aliases) for w in normaliser.phrase_tokens(name))
            for role in facts.roles
        }
        self.neutral = language.neutral_concepts
        # the concepts small talk is made of: those the intents that need no anchor require
        self.small_talk = small_talk_concepts(language)
        self.quiet = frozenset(Target(CONCEPT, c) for c in (*self.small_talk, *self.neutral))
        self.first_person = "first_person"
        self._targets.clear()  # only needed while building

    def _add(self, phrase: str, target: Target) -> None:
        tokens = self.normaliser.phrase_tokens(phrase)
        if tokens:
            # one object per distinct target: the cached engine unpickles far fewer of them
            target = self._targets.setdefault(target, target)
            self.phrases.setdefault(tokens, set()).add(target)

    def words(self) -> set[str]:
        """Every word the index can match, for the typo corrector's vocabulary."""
        out = {w for p in self.phrases for w in p}
        for left, right, _ in self.gapped:
            out.update(left)
            out.update(right)
        return out


def small_talk_concepts(language: Language) -> frozenset[str]:
    """Concepts that make small talk: what greeting, thanks, goodbye and help require (the
    intents that need no anchor, out_of_scope aside)."""
    out: set[str] = set()
    for intent in language.unanchored:
        spec = language.intents.get(intent)
        if spec is not None and intent != "out_of_scope":
            out.update(feature for group in spec.requires for feature in group)
    return frozenset(out) or SMALL_TALK


def _notes_words(knowledge: Knowledge, normaliser: Normaliser) -> frozenset[str]:
    """Stems of every word of the notes' text."""
    facts = knowledge.facts
    texts = [*facts.introduction, *facts.summary, facts.title, facts.covers, facts.progression]
    texts += [c.text for c in facts.common_skills]
    for role in facts.roles:
        texts += [role.name, role.focus or "", *role.tasks, role.skills_as_written or ""]
    return frozenset(stem(w) for t in texts for w in normaliser.phrase_tokens(t))


def _work_words(knowledge: Knowledge, normaliser: Normaliser) -> frozenset[str]:
    """Stems of the words that describe what roles do (focus and tasks), minus stopwords."""
    stop = knowledge.language.vocabulary.stopwords
    texts = [text for role in knowledge.facts.roles for text in (role.focus or "", *role.tasks)]
    return frozenset(stem(w) for t in texts for w in normaliser.phrase_tokens(t) if w not in stop)


def name_words(knowledge: Knowledge) -> frozenset[str]:
    """The words of the notes' names: roles, skills and levels with their aliases."""
    facts = knowledge.facts
    names = [n for role in facts.roles for n in (role.name, *role.aliases)]
    names += [n for skill in facts.skills for n in (skill.name, *skill.aliases)]
    names += [n for level in facts.levels for n in (level.name, level.word, *level.aliases)]
    return frozenset(w.lower() for n in names for w in split_words(n))


def known_words(knowledge: Knowledge) -> set[str]:
    """Every word of the knowledge base: what the normaliser keeps as is and corrects towards."""
    facts, language = knowledge.facts, knowledge.language
    voc = language.vocabulary
    words = set(voc.stopwords | voc.common_words | voc.pronouns | voc.role_head_words)
    words |= voc.skill_nouns | voc.skill_verbs | set(voc.ordinals) | voc.yes_no_starts
    phrases: list[str] = [*voc.rewrites.values(), facts.domain_name, *facts.domain_aliases]
    phrases += [*facts.introduction, *facts.summary, facts.title, facts.covers, facts.progression]
    phrases += [c.text for c in facts.common_skills]
    for role in facts.roles:
        phrases += [role.name, *role.aliases, role.focus or "", *role.tasks, role.skills_as_written or ""]
    for skill in facts.skills:
        phrases += [skill.name, *skill.aliases]
    for level in facts.levels:
        phrases += [level.name, level.word, *level.aliases]
    for concept_phrases in language.concepts.values():
        phrases += [p.replace("...", " ") for p in concept_phrases]
    for phrase in phrases:
        words.update(w.lower() for w in split_words(phrase))
    return words


def read_question(tokens: tuple[Token, ...], index: PhraseIndex) -> Reading:
    """Find every mention in the tokens and describe the question."""
    words = tuple(t.text for t in tokens)
    # where a word's inflection differs from its lemma, phrases written with that inflection
    # match it too ("roles needing" is not "role need")
    forms = tuple(t.form or t.text for t in tokens) if any(t.form for t in tokens) else words
    typed = tuple(t.typed for t in tokens)
    voc = index.vocabulary
    covered: list[set[Target] | None] = [None] * len(words)
    mentions: list[tuple[int, int, set[Target]]] = []

    i = 0
    longest_from = index.longest_from
    while i < len(words):
        longest = max(longest_from.get(words[i], 0), longest_from.get(forms[i], 0))
        for length in range(min(longest, len(words) - i), 0, -1):
            targets = index.phrases.get(words[i : i + length])
            if not targets and forms is not words:
                targets = index.phrases.get(forms[i : i + length])
            if targets:
                mentions.append((i, i + length, targets))
                for k in range(i, i + length):
                    covered[k] = targets
                i += length
                break
        else:
            i += 1

    concepts: set[str] = set()
    present = set(words)
    for left, right, concept in index.gapped:
        if (left and left[0] not in present) or (right and right[0] not in present):
            continue
        start = _find(words, left, 0)
        if start >= 0 and _find(words, right, start + len(left)) >= 0:
            concepts.add(concept)
            for k in range(start, start + len(left)):
                covered[k] = covered[k] or {Target(CONCEPT, concept)}
            end = _find(words, right, start + len(left))
            for k in range(end, end + len(right)):
                covered[k] = covered[k] or {Target(CONCEPT, concept)}

    # a title the notes lack right after "as a" / "I am a" is the asker's own job, not what is
    # asked about (a known role there stays: "I'm a <role>, what comes next?" is about it)
    own_starts = {end for start, end, targets in mentions if _SELF_INTRO in targets}
    roles: list[str] = []
    skills: list[str] = []
    levels: list[str] = []
    domain = False
    out_mentions: list[Mention] = []
    both: list[tuple[str, str]] = []  # (role, skill) of names that are both, read as the role
    for start, end, targets in mentions:
        chosen = _resolve(targets, words, start, end, voc.skill_nouns, voc.skill_verbs)
        if end - start == 1 and start > 0 and words[start - 1] in voc.possessives:
            # "my <abbreviation>" is a thing the asker has (a résumé), not a role they ask about
            chosen = [t for t in chosen if t.kind != ROLE]
            if not chosen:
                covered[start] = None
                continue
        # a word rewritten into two ("dont" -> "do not") is shown once
        surface = " ".join(w for i, w in enumerate(typed[start:end]) if i == 0 or w != typed[start + i - 1])
        for target in chosen:
            out_mentions.append(Mention(target.kind, target.key, start, end, surface))
            if target.kind == ROLE and target.key not in roles:
                roles.append(target.key)
            elif target.kind == SKILL and target.key not in skills:
                skills.append(target.key)
            elif target.kind == LEVEL and target.key not in levels:
                levels.append(target.key)
            elif target.kind == DOMAIN:
                domain = True
            elif target.kind == CONCEPT:
                concepts.add(target.key)
            if target.kind == ROLE and any(t.kind == SKILL for t in targets):
                both.append((target.key, next(t.key for t in targets if t.kind == SKILL)))
    if "recommend" in concepts:
        # "which kind of <role> should we hire?": a role named after "kind of" in a request for a
        # role is the kind asked for, not a role asked about
        for m in out_mentions:
            if (m.kind == ROLE and m.start >= 2 and words[m.start - 1] == "of" and m.key in roles
                    and Target(CONCEPT, "list") in (covered[m.start - 1] or ())):
                roles.remove(m.key)
    if both and len(roles) >= 2 and "compare" not in concepts:
        # a name of a role and a skill beside another role, not compared with it, is what that
        # role has or needs ("is <name> part of <role>'s skill set?")
        for role_id, skill in both:
            roles.remove(role_id)
            if skill not in skills:
                skills.append(skill)

    bare_heads: list[str] = []
    unknown_roles: list[str] = []
    for k, word in enumerate(words):
        if word not in voc.role_head_words or covered[k] is not None:
            continue  # not a title word, or part of a name or phrase ("lead to")
        modifier = _modifier(words, covered, k, voc.stopwords, voc.determiners)
        title_start = min(k, modifier if modifier is not None else k)
        if title_start in own_starts or _about_oneself(words, covered, title_start, index.first_person):
            continue  # "I'm a python programmer": the user's own job, not a question about one
        if modifier is not None:
            first, last = min(modifier, k), max(modifier, k)
            unknown_roles.append(" ".join(typed[first : last + 1]))
        elif word in index.roles_by_head:
            bare_heads.append(word)
        elif k == 0 or (words[k - 1] in voc.determiners and words[k - 1] != "to"):
            # "a <title word>", or one opening the question: a title the notes lack; after a
            # pronoun or "to" it is a verb ("they <verb>", "to <verb>")
            unknown_roles.append(typed[k])

    ordinal = None
    pair_pick = False
    for k, word in enumerate(words):
        # "the second one", "number 3", "2": a pick; "a second opinion" is not
        picking = k == 0 or words[k - 1] in voc.pick_words or len(words) <= 2
        if covered[k] is None and picking and (word in voc.ordinals or word.isdigit()):
            # only ASCII digits are a number to pick by: "❽".isdigit() is true, int("❽") fails
            ordinal = voc.ordinals.get(word) or (int(word) if word.isascii() and word.isdigit() and len(word) < 4
                                                 else None)
            if ordinal is not None:
                pair_pick = word in voc.pair_ordinals
                break

    unexplained: list[str] = []
    work: list[str] = []
    content = 0
    for k, word in enumerate(words):
        targets = covered[k]
        if targets is not None:
            if not targets <= index.quiet:  # small talk and neutral words are not content
                content += 1
                if not _is_entity(targets) and stem(word) in index.work_words:
                    work.append(word)  # a cue word that is also work ("build" a chatbot)
            continue
        if word in voc.stopwords or word in voc.pronouns or word in voc.ordinals or word.isdigit():
            continue
        if word in voc.role_head_words:
            content += 1
            continue
        content += 1
        if stem(word) in index.work_words:
            work.append(word)
        if stem(word) not in index.notes_words:
            unexplained.append(typed[k])
            if k > 0 and typed[k][:1].isupper() and words[k - 1] in voc.place_words:
                # "the head of <x> at <Name>": a named company or place, which the notes never cover
                concepts.add("off_topic")

    if RELATIVE in concepts and not _opens_with(words, out_mentions, voc, RELATIVE):
        # "someone who knows <skill>": a relative pronoun, not a question for a person
        concepts.discard(RELATIVE)
    return Reading(
        tokens=words, roles=tuple(roles), skills=tuple(skills), level=levels[0] if levels else None,
        levels=tuple(levels), domain=domain,
        concepts=frozenset(concepts), bare_heads=tuple(bare_heads),
        unknown_roles=tuple(unknown_roles),
        pronoun="reference" in concepts or any(covered[k] is None and w in voc.pronouns
                                               and not (w in voc.determiners
                                                        and _names_follow(words, covered, k, voc.determiners))
                                               for k, w in enumerate(words)),
        ordinal=ordinal, pair_pick=pair_pick, yes_no=bool(words) and words[0] in voc.yes_no_starts,
        own_question=_opens_a_question(words, covered, voc),
        unexplained=tuple(unexplained), content=content, mentions=tuple(out_mentions),
        work_words=tuple(work),
        corrections=tuple((t.typed, t.text) for t in tokens if t.corrected),
    )


def _opens_with(words: tuple[str, ...], mentions: list[Mention], voc: Vocabulary, concept: str) -> bool:
    """A mention of `concept` opens the question or a part of it: first, or after a filler or a
    conjunction ("... and who uses it?")."""
    return any(m.key == concept and (m.start == 0 or words[m.start - 1] in voc.fillers) for m in mentions)


def _opens_a_question(words: tuple[str, ...], covered: list[set[Target] | None], voc: Vocabulary) -> bool:
    """The first word after fillers ("and", "so") is a question word or a yes/no start that no
    phrase of a fragment ("what about") has taken, and more than a name follows it."""
    k = 0
    while k < len(words) and words[k] in voc.fillers:
        k += 1
    opener = covered[k] if k < len(words) else None
    if k >= len(words) or (opener is not None and not opener <= {Target(CONCEPT, "first_person")}):
        return False
    if words[k] not in voc.question_words and words[k] not in voc.yes_no_starts:
        return False
    # more than names follows: "does <role>?" is a fragment, "can one person be <x> and <y>?" is not
    rest = [j for j in range(k + 1, len(words))
            if words[j] not in voc.determiners and words[j] not in voc.fillers and not _is_entity(covered[j])]
    return len(rest) >= 1


def _names_follow(words: tuple[str, ...], covered: list[set[Target] | None], k: int,
                  determiners: frozenset[str]) -> bool:
    """The word after a pronoun-like word is a name: "this <skill>", "both <role> and <role>"
    (past an article only in such a pair: "is that a <level> role?" still refers back)."""
    j = k + 1
    while j < len(words) and words[j] in determiners and covered[j] is None and "and" in words[j:]:
        j += 1
    return j < len(words) and _is_entity(covered[j])


def _is_entity(targets: set[Target] | None) -> bool:
    return targets is not None and any(t.kind != CONCEPT for t in targets)


def _about_oneself(words: tuple[str, ...], covered: list[set[Target] | None], start: int,
                   first_person: str) -> bool:
    """True when the title is the asker's own ("I'm a <title>", "I switched from <title>"):
    a first-person word within the six words before it, and no "be"/"become" between (which
    would make it the asker's goal, a question about that title)."""
    mine = Target(CONCEPT, first_person)
    for j in range(start - 1, max(-1, start - 7), -1):
        targets = covered[j] or set()
        if words[j] == "be" or Target(CONCEPT, "become") in targets:
            return False
        if mine in targets:
            return True
    return False


def _find(words: tuple[str, ...], part: tuple[str, ...], start: int) -> int:
    if not part:
        return start
    for i in range(start, len(words) - len(part) + 1):
        if words[i : i + len(part)] == part:
            return i
    return -1


def _is_kind(targets: set[Target] | None, kind: str) -> bool:
    return targets is not None and any(t.kind == kind for t in targets)


def _resolve(targets: set[Target], words: tuple[str, ...], start: int, end: int,
             skill_nouns: frozenset[str], skill_verbs: frozenset[str]) -> list[Target]:
    """One phrase can name several things; keep what the surrounding words make it."""
    kinds = {t.kind for t in targets}
    if ROLE in kinds and SKILL in kinds:
        # a skill noun right after it or a few words on ("<name> listed as one of the skills"),
        # or a verb of knowing or using before it, makes it the skill
        after = set(words[end : end + 6])
        before = words[start - 1] if start > 0 else ""
        keep = SKILL if after & skill_nouns or before in skill_verbs else ROLE
        return sorted((t for t in targets if t.kind == keep), key=lambda t: t.key)
    # an entity beats a concept spelled the same way
    entities = [t for t in targets if t.kind != CONCEPT]
    if entities:
        return sorted(entities, key=lambda t: (t.kind, t.key))
    return sorted(targets, key=lambda t: t.key)


def _modifier(words: tuple[str, ...], covered: list[set[Target] | None], k: int,
              stopwords: frozenset[str], determiners: frozenset[str]) -> int | None:
    """Index of a word that makes a job-title word a specific title the notes do not cover:
    a word left of it up to the nearest determiner ("a <word> <word> <title>"), or "<title> of
    <word>"."""
    j = k - 1
    while j >= 0 and words[j] not in determiners and covered[j] is None:
        if words[j] not in stopwords and not words[j].isdigit():
            return j
        j -= 1
    if j >= 0 and covered[j] is not None and any(t.kind in (SKILL, DOMAIN) for t in covered[j] or ()):
        return j
    if k + 2 < len(words) and words[k + 1] == "of" and covered[k + 2] is None and words[k + 2] not in stopwords:
        return k + 2
    return None
