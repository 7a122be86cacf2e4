"""Stage 5: what the question is about -> the answer's text, from templates and the facts.

Every sentence comes from templates.yaml filled with facts of the notes; nothing here knows
a role, skill or level by name. User text never reaches a template: the only values filled
in are facts, and filling is one pass, so a fact containing "{x}" stays as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping

from .model import Facts, Knowledge, Level, RefusalKind, Role
from .records import Record, field, replace
from .understanding.context import Context, Resolved
from .understanding.entities import Reading
from .understanding.normalise import stem

_PLACEHOLDER = re.compile(r"\{(\w+)\}")
# conversation, not questions about the notes: never offered as example questions
SMALL_TALK_INTENTS = frozenset({"greeting", "thanks", "goodbye", "help", "out_of_scope"})


class Composed(Record):
    text: str
    sources: tuple[str, ...] = ()
    suggestions: tuple[str, ...] = ()
    named_roles: tuple[str, ...] = ()  # roles the answer is about (a recommendation's pick)
    listed: tuple[str, ...] = ()  # roles of a numbered list in the answer
    facts: tuple[str, ...] = ()  # the notes' phrases the answer quotes
    understood: bool = True
    blocks: tuple[tuple[str, object], ...] = field(default=(), compare=False)
    level: str | None = None  # the level a path answer arrived at (the next step)


def fill(template: str, values: dict[str, object]) -> str:
    """Replace {name} with values[name]; unknown names stay as written. One pass only."""
    return _PLACEHOLDER.sub(lambda m: str(values[m.group(1)]) if m.group(1) in values else m.group(0), template)


def join(items: Iterable[str], last: str = "and") -> str:
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {last} {items[-1]}"


def as_object(name: str) -> str:
    """A skill name inside a sentence: a phrase in lower case, a single word or a name with
    capitals inside it as the notes write it."""
    words = name.split()
    if len(words) < 2 or any(ch.isupper() for ch in name[1:]):
        return name  # a single word may be a proper name; an acronym keeps its case
    return name[:1].lower() + name[1:]


def in_sentence(text: str) -> str:
    """An item of the notes inside a sentence: its first letter lower case, unless its first
    word is a name or an acronym (all capitals, capitals inside it, or not only letters)."""
    first = text.split()[0] if text.split() else text
    if not first[:1].isupper() or any(ch.isupper() for ch in first[1:]) or not first.isalpha():
        return text
    return text[:1].lower() + text[1:]


def with_article(name: str) -> str:
    """The name after 'a' or 'an' chosen by sound; a capitalised acronym by its first letter's sound."""
    first = name.split()[0] if name.split() else name
    acronym = len(first) >= 2 and first[:2].isupper()
    vowel_sound = first[:1] in "AEFHILMNORSX" if acronym else first[:1].lower() in "aeiou"
    return f"{'an' if vowel_sound else 'a'} {name}"


class Composer:
    """Writes answers for one knowledge base."""

    def __init__(self, knowledge: Knowledge,
                 phrase_tokens: Callable[[str], tuple[str, ...]] | None = None) -> None:
        self.k = knowledge
        self.facts: Facts = knowledge.facts
        self.t = knowledge.language.templates
        self.answering = knowledge.language.answering
        # phrases of answers.yaml as the question's tokens read (lemmas): once, not per question
        tokens_of = phrase_tokens or (lambda phrase: tuple(phrase.lower().split()))
        self._cues: dict[str, Phrases] = {
            name: Phrases(phrases, tokens_of) for name, phrases in self.answering.cues.items()}
        self._refusals: tuple[tuple[RefusalKind, Phrases], ...] = tuple(
            (kind, Phrases(kind.phrases, tokens_of)) for kind in self.answering.refusals if kind.phrases)
        self._refusal_by_id = {kind.id: kind for kind in self.answering.refusals}
        self._all_examples: tuple[str, ...] | None = None
        self._plain_examples: dict[str, str | None] = {}
        self._by_intent: dict[str, Callable[[Resolved, Reading], Composed]] = {
            "role_overview": self.role_overview, "role_skills": self.role_skills,
            "role_tasks": self.role_tasks, "role_has_skill": self.role_has_skill,
            "role_compare": self.role_compare, "roles_for_skill": self.roles_for_skill,
            "recommend_role": self.recommend_role, "list_roles": self.list_roles,
            "common_skills": self.common_skills, "career_path": self.career_path,
            "career_level": self.career_level, "career_next": self.career_next,
            "ml_overview": self.ml_overview, "summary": self.summary, "greeting": self.greeting,
            "thanks": self.thanks, "goodbye": self.goodbye, "help": self.help,
            "out_of_scope": self.out_of_scope,
        }
        # stems of each role's focus and tasks, for recommend_role: computed once, not per
        # question for every role
        self._role_stems: dict[str, frozenset[str]] = {
            role.id: frozenset(stem(w.lower()) for text in (role.focus or "", *role.tasks)
                               for w in re.findall(r"[^\W_]+", text))
            for role in self.facts.roles
        }
        # one-word phrases of the language's concepts ("build" is a task cue): as evidence for a
        # recommendation such a word weighs half a word that only the roles use ("chatbot")
        self._cue_stems = frozenset(stem(p.lower()) for phrases in self.k.language.concepts.values()
                                    for p in phrases if p.isalpha())
        self._role_values: dict[str, dict[str, object]] = {}
        # per level its roles' names joined, per skill its roles: once, not per question
        # (a level of a large base has thousands of roles)
        self._level_roles: dict[str, str] = {lv.id: join(self.names(lv.roles)) for lv in self.facts.levels}
        self._roles_by_skill: dict[str, list[str]] = {}
        for role in self.facts.roles:
            for skill in dict.fromkeys(role.skills):
                self._roles_by_skill.setdefault(skill, []).append(role.id)
        # a skill inside a sentence: in lower case when the notes write it so inside their own
        # sentences (a common noun, not a name), a phrase in lower case, a name as is
        texts = [c.text for c in self.facts.common_skills] + [
            t for role in self.facts.roles for t in (role.focus or "", role.skills_as_written or "", *role.tasks)]
        words = {w for t in texts for w in re.findall(r"[^\W_]+", t)}
        self._skill_word: dict[str, str] = {}
        for known in self.facts.skills:
            name = as_object(known.name)
            if name == known.name and " " not in name and name.lower() in words and name[1:].islower():
                name = name.lower()
            self._skill_word[known.name] = name

    # --- helpers -----------------------------------------------------------------------
    def say(self, key: str, **values: object) -> str:
        return fill(self.t.get(key, ""), values)

    def skill_word(self, skill: str) -> str:
        """A skill's name inside a sentence."""
        return self._skill_word.get(skill, skill)

    def cue(self, name: str, tokens: tuple[str, ...]) -> int | None:
        """Where the first phrase of cue `name` starts in the question's tokens, or None."""
        phrases = self._cues.get(name)
        return phrases.find(tokens) if phrases else None

    def role(self, role_id: str) -> Role:
        return self.facts.role_by_id[role_id]

    def level_of(self, role_id: str) -> Level | None:
        level_id = self.facts.level_of_role.get(role_id)
        return self.facts.level_by_id[level_id] if level_id else None

    def names(self, role_ids: Iterable[str]) -> list[str]:
        return [self.role(r).name for r in role_ids]

    def role_values(self, role_id: str) -> dict[str, object]:
        cached = self._role_values.get(role_id)
        if cached is None:
            cached = self._role_values[role_id] = self._compute_role_values(role_id)
        return dict(cached)  # a copy: callers may add to it

    def _compute_role_values(self, role_id: str) -> dict[str, object]:
        role = self.role(role_id)
        level = self.level_of(role_id)
        values: dict[str, object] = {
            "role": role.name, "a_role": with_article(role.name), "focus": role.focus or "",
            "skills": join(role.skills), "skills_as_written": role.skills_as_written or join(role.skills),
            "tasks": join(role.tasks[:1] + tuple(in_sentence(t) for t in role.tasks[1:])),
            "level": level.name if level else "",
            "level_word": level.word if level else "", "title": self.facts.title,
            "a_level_word": with_article(level.word) if level else "",
            "level_roles": self._level_roles[level.id] if level else "",
        }
        if level:
            values["path_place"] = self._path_place(level)
        return values

    def _path_place(self, level: Level) -> str:
        index = self.facts.level_index(level.id)
        parts = []
        if index > 0:
            parts.append(self.say("path_place_after", level=self.facts.levels[index - 1].name))
        if index + 1 < len(self.facts.levels):
            parts.append(self.say("path_place_next", level=self.facts.levels[index + 1].name))
        else:
            parts.append(self.say("path_place_last"))
        return " ".join(p for p in parts if p)

    def suggest(self, *items: tuple[str, Mapping[str, object]]) -> tuple[str, ...]:
        out = [self.say(key, **values) for key, values in items if key in self.t]
        return tuple(dict.fromkeys(s for s in out if s))

    def role_suggestions(self, role_id: str, skip: str) -> tuple[str, ...]:
        role = self.role(role_id)
        v = {"role": role.name, "a_role": with_article(role.name)}
        keys = ["ask_skills", "ask_tasks", "ask_level", "ask_next", "ask_overview"]
        if not role.in_table:
            keys = ["ask_next", "ask_level", "ask_overview"]
        if self.ends_the_path(role_id):
            keys.remove("ask_next")
        return self.suggest(*[(k, v) for k in keys if k != skip])[:3]

    def ends_the_path(self, role_id: str) -> bool:
        """The role is at the path's end: "what comes after it?" is no follow-up to offer."""
        levels = self.facts.levels
        return bool(levels) and self.facts.level_of_role.get(role_id) == levels[-1].id

    def common_line(self, skill: str) -> str | None:
        for item in self.facts.common_skills:
            if skill in item.skills:
                return item.text
        return None

    def roles_with_skill(self, skill: str) -> list[str]:
        return list(self._roles_by_skill.get(skill, ()))

    # --- the intents ---------------------------------------------------------------------
    def compose(self, resolved: Resolved, reading: Reading, context: Context | None = None,
                conversational: bool = True) -> Composed:
        """The answer. `context` is the conversation before the question (a refusal suggests
        follow-ups about it); `conversational` is False where no next question can follow
        (`ask`): then no answer invites the user to type one."""
        if resolved.intent == "out_of_scope":
            return self.out_of_scope(resolved, reading, context, conversational)
        return self._by_intent[resolved.intent](resolved, reading)

    def role_overview(self, r: Resolved, reading: Reading) -> Composed:
        parts, sources, facts = [], [], []
        for role_id in r.roles:
            role = self.role(role_id)
            v = self.role_values(role_id)
            if role.in_table:
                parts.append(self.say("role_overview", **v))
                facts += [role.focus or "", *role.skills, *role.tasks]
            else:
                parts.append(self.say("role_overview_path_only", **v))
                facts += [str(v["level_word"])]
            sources.append(f"roles/{role_id}")
            if self.level_of(role_id):
                sources.append(f"career/{self.facts.level_of_role[role_id]}")
        blocks = tuple(("role", rid) for rid in r.roles)
        return Composed("\n\n".join(parts), tuple(sources), self.beyond_card(r.roles[0]),
                        facts=tuple(facts), blocks=blocks)

    def beyond_card(self, role_id: str) -> tuple[str, ...]:
        """Follow-ups to a role's card: what the card does not show (what comes next, a role to
        compare it with, who else uses its first skill), not its skills, tasks or level."""
        role = self.role(role_id)
        v = {"role": role.name, "a_role": with_article(role.name)}
        level = self.level_of(role_id)
        peers = [rid for rid in (level.roles if level else ()) if rid != role_id and self.role(rid).in_table]
        if not peers:
            peers = [other.id for other in self.facts.roles if other.in_table and other.id != role_id]
        items: list[tuple[str, Mapping[str, object]]] = [] if self.ends_the_path(role_id) else [("ask_next", v)]
        if peers:
            items.append(("ask_compare", {**v, "an_other": with_article(self.role(peers[0]).name)}))
        if role.skills:
            items.append(("ask_roles_for_skill", {"skill": self.skill_word(role.skills[0])}))
        return self.suggest(*items)[:3]

    def _role_list(self, r: Resolved, field_name: str) -> Composed:
        parts, sources, facts = [], [], []
        for role_id in r.roles:
            role = self.role(role_id)
            v = self.role_values(role_id)
            items = role.skills if field_name == "skills" else role.tasks
            if role.in_table and items:
                parts.append(self.say(f"role_{field_name}", **v))
                facts += list(items)
                sources.append(f"roles/{role_id}/{field_name}")
            else:
                parts.append(self.say(f"role_{field_name}_path_only", **v))
                facts.append(str(v["level_word"]))
                sources.append(f"career/{self.facts.level_of_role.get(role_id, '')}")
        skip = "ask_skills" if field_name == "skills" else "ask_tasks"
        return Composed("\n\n".join(parts), tuple(sources), self.role_suggestions(r.roles[0], skip),
                        facts=tuple(facts), blocks=tuple((field_name, rid) for rid in r.roles))

    def role_skills(self, r: Resolved, reading: Reading) -> Composed:
        return self._role_list(r, "skills")

    def role_tasks(self, r: Resolved, reading: Reading) -> Composed:
        return self._role_list(r, "tasks")

    @staticmethod
    def asked_skills(r: Resolved, reading: Reading) -> tuple[str, ...]:
        """The skills a yes/no question asks about: known ones, else the words nothing else
        explained ("<X>" in "do these jobs need <X>?"), as the user typed them."""
        if r.skills:
            return r.skills
        return (" ".join(reading.unexplained),) if reading.unexplained and reading.yes_no else ()

    def role_has_skill(self, r: Resolved, reading: Reading) -> Composed:
        skills = self.asked_skills(r, reading)
        if not r.roles:
            return self.clarify(replace(r, clarify=()))
        if not skills:  # nothing to check: say what the role's skills are
            return self.role_skills(r, reading)
        lines, sources, facts = [], [], []
        for role_id in r.roles:
            role = self.role(role_id)
            v = self.role_values(role_id)
            for skill in skills:
                v["skill"] = skill
                line = self.common_line(skill)
                if not role.in_table:
                    lines.append(self.say("role_has_skill_path_only", **v))
                elif skill in role.skills:
                    lines.append(self.say("role_has_skill_yes", **v))
                    facts.append(skill)
                elif line:
                    lines.append(self.say("role_has_skill_yes_common", common_line=line, **v))
                    facts.append(line)
                    sources.append("common_skills")
                else:
                    lines.append(self.say("role_has_skill_no", **v))
                    elsewhere = self.roles_with_skill(skill)
                    lines.append(self.say("role_has_skill_elsewhere", skill=skill, roles=join(self.names(elsewhere)))
                                 if elsewhere else self.say("role_has_skill_nowhere", skill=skill))
                sources.append(f"roles/{role_id}/skills")
        if self.cue("enough", reading.tokens) is not None:
            lines.append(self.say("not_said_enough"))
        suggestions = self.suggest(*[("ask_roles_for_skill", {"skill": self.skill_word(s)}) for s in r.skills])
        suggestions += self.role_suggestions(r.roles[0], "ask_overview")[:2]
        return Composed("\n".join(lines), tuple(dict.fromkeys(sources)), suggestions, facts=tuple(facts))

    def role_compare(self, r: Resolved, reading: Reading) -> Composed:
        composed = self._compare_two(r, reading)
        if (len(r.roles) >= 2 and r.roles[0] != r.roles[1] and composed.understood
                and self.cue("same_person", reading.tokens) is not None):
            # "can one person be both?": the notes say what each role is, nothing more
            line = self.say("role_compare_same_person", role_a=with_article(self.role(r.roles[0]).name),
                            role_b=with_article(self.role(r.roles[1]).name))
            composed = replace(composed, text=composed.text + "\n" + line)
        if len(r.roles) > 2:
            # each further role's focus and level, so that all the roles asked about are compared
            also = [self.say("role_compare_also", role=role.name,
                             focus=role.focus or self.say("no_focus", **self.role_values(role.id)),
                             level=self.role_values(role.id)["level"] or "not placed in the path")
                    for role in (self.role(rid) for rid in r.roles[2:])] if "role_compare_also" in self.t else []
            rest = self.say("role_compare_more", roles=join(self.names(r.roles[2:])), role=self.role(r.roles[0]).name)
            return replace(composed, text="\n".join([composed.text, *also, rest]), suggestions=tuple(
                self.say("ask_compare", a_role=with_article(self.role(r.roles[0]).name),
                         an_other=with_article(self.role(other).name)) for other in r.roles[2:]) + composed.suggestions)
        return composed

    def _compare_two(self, r: Resolved, reading: Reading) -> Composed:
        if len(r.roles) < 2:  # only reachable with a knowledge base whose compare takes fewer roles
            others = tuple(role.id for role in self.facts.roles if role.id not in r.roles)
            return self.clarify(Resolved(r.intent, r.roles, r.skills, r.level, clarify=others))
        a, b = r.roles[0], r.roles[1]
        if a == b:
            return Composed(self.say("role_compare_same", role=self.role(a).name), (f"roles/{a}",))
        ra, rb = self.role(a), self.role(b)
        va, vb = self.role_values(a), self.role_values(b)

        def focus(role: Role, v: dict[str, object]) -> str:
            return role.focus or self.say("no_focus", **v)

        def level(v: dict[str, object]) -> str:
            return f"at {v['level']}" if v["level"] else "not placed in the path"

        shared = [s for s in ra.skills if s in rb.skills]
        lines = [
            self.say("role_compare_head", role_a=ra.name, role_b=rb.name),
            self.say("role_compare_focus", role_a=ra.name, role_b=rb.name,
                     focus_a=focus(ra, va), focus_b=focus(rb, vb)),
            self.say("role_compare_level", role_a=ra.name, role_b=rb.name, level_a=level(va), level_b=level(vb)),
        ]
        if ra.in_table and rb.in_table:
            lines.append(self.say("role_compare_shared", shared=join(shared) or self.say("nothing")))
        else:
            unlisted = [role.name for role in (ra, rb) if not role.in_table]
            lines.append(self.say("role_compare_shared_unknown", roles=join(unlisted)))
        for role in (ra, rb):
            own = [s for s in role.skills if s not in shared]
            if role.in_table:
                lines.append(self.say("role_compare_only", role=role.name, a_role=with_article(role.name),
                                      skills=join(own) or self.say("nothing")))
        if ra.in_table or rb.in_table:
            lines.append(self.say("role_compare_tasks", role_a=ra.name, role_b=rb.name,
                                  tasks_a=join(ra.tasks) or self.say("no_tasks"),
                                  tasks_b=join(rb.tasks) or self.say("no_tasks")))
        facts = [f for f in (ra.focus, rb.focus, va["level_word"], vb["level_word"]) if f]
        sources = (f"roles/{a}", f"roles/{b}", "career")
        # the comparison shows focus, level, skills and tasks: follow-ups go beyond them
        follow: list[tuple[str, Mapping[str, object]]] = [
            ("ask_next", {"role": role.name, "a_role": with_article(role.name)})
            # two roles at one level have one next step
            for role in ((ra,) if va["level"] == vb["level"] else (ra, rb)) if not self.ends_the_path(role.id)]
        own = [sk for sk in (*ra.skills, *rb.skills) if sk not in shared][:1]
        follow += [("ask_roles_for_skill", {"skill": self.skill_word(sk)}) for sk in (shared[:1] or own)]
        return Composed("\n".join(lines), sources, self.suggest(*follow),
                        facts=tuple(str(f) for f in facts), blocks=(("compare", (a, b)),))

    def roles_doing(self, words: Iterable[str]) -> list[tuple[Role, list[str]]]:
        """Roles whose focus or tasks share a stem with `words`, with the phrases that do."""
        stems = {stem(w) for w in words}
        scored = []
        for role in self.facts.roles:
            texts = (role.focus or "", *role.tasks)
            hits = [stems & {stem(w.lower()) for w in re.findall(r"[^\W_]+", text)} for text in texts]
            matched = set().union(*hits)
            if matched:
                scored.append((len(matched), role, [t for t, h in zip(texts, hits, strict=True) if h]))
        # only the roles matching the most of the words: a role matching two of them beats
        # one whose focus happens to share a single word
        best = max((n for n, _, _ in scored), default=0)
        return [(role, phrases) for n, role, phrases in scored if n == best]

    def roles_for_work(self, r: Resolved, reading: Reading) -> Composed:
        found = self.roles_doing(reading.work_words)
        if not found:
            return self.out_of_scope(r, reading)
        lines = [self.say("roles_for_work", words=join(reading.work_words), roles=join(role.name for role, _ in found))]
        lines += [f"- {role.name}: {'; '.join(phrases)}" for role, phrases in found]
        ids = tuple(role.id for role, _ in found)
        suggestions = tuple(s for rid in ids[:2] for s in self.suggest(
            ("ask_overview", {"role": self.role(rid).name, "a_role": with_article(self.role(rid).name)})))
        return Composed("\n".join(lines), tuple(f"roles/{rid}" for rid in ids), suggestions, named_roles=ids,
                        listed=ids, facts=tuple(p for _, phrases in found for p in phrases))

    def roles_for_skill(self, r: Resolved, reading: Reading) -> Composed:
        if not r.skills:
            return self.roles_for_work(r, reading)
        tokens = reading.tokens
        lines: list[str] = []
        if self.cue("define", tokens) is not None or "what_is" in reading.concepts:
            # "what is <skill>?": the notes define no skill; say so, then where it appears
            lines.append(self.say("skill_not_defined", skill=join(self.skill_word(s) for s in r.skills)))
        wanted, unwanted = self._split_at_except(r, reading)
        if wanted and unwanted:
            composed = self._roles_with_but_not(wanted, unwanted)
        elif "negation" in reading.concepts:
            composed = self.roles_without_skill(r)
        elif len(r.skills) >= 2 and self.cue("all_of", tokens) is not None:
            composed = self._roles_with_all(r.skills)
        else:
            composed = self._roles_with_each(r.skills)
        missing = self._unnamed_skills(reading)
        if missing:
            lines_after = [self.say("skill_not_in_notes", words=missing)]
        else:
            lines_after = []
        if lines or lines_after:
            composed = replace(composed, text="\n".join([*lines, composed.text, *lines_after]))
        return composed

    def _unnamed_skills(self, reading: Reading) -> str:
        """What a which-roles question names that the notes don't ("<skill> and <unknown>"): the
        words nothing explained, as typed."""
        return join(reading.unexplained) if reading.unexplained and "which_roles" in reading.concepts else ""

    def _split_at_except(self, r: Resolved, reading: Reading) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """"<skill> but not <skill>": the skills named before the cue, and those after it."""
        at = self.cue("except", reading.tokens)
        if at is None or len(r.skills) < 2:
            return (), ()
        starts = {m.key: m.start for m in reading.mentions if m.kind == "skill"}
        before = tuple(s for s in r.skills if starts.get(s, -1) < at)
        after = tuple(s for s in r.skills if starts.get(s, -1) > at)
        return before, after

    def _roles_with_each(self, skills: tuple[str, ...]) -> Composed:
        lines, found, facts, sources = [], [], [], []
        for skill in skills:
            holders = self.roles_with_skill(skill)
            line = self.common_line(skill)
            word = self.skill_word(skill)
            if holders:
                lines.append(self.say("roles_for_skill", skill=word, roles=join(self.names(holders))))
                if line:
                    lines.append(self.say("roles_for_skill_also_common", skill=word, common_line=line))
            elif line:
                lines.append(self.say("roles_for_skill_only_common", skill=word, common_line=line))
            else:
                lines.append(self.say("roles_for_skill_none", skill=word))
            if line:
                facts.append(line)
                sources.append("common_skills")
            found += [h for h in holders if h not in found]
            facts += self.names(holders)
            sources += [f"roles/{h}/skills" for h in holders]
        lines += self._see_also(skills, facts, sources)
        return Composed("\n".join(lines), tuple(dict.fromkeys(sources)), self._overview_suggestions(found),
                        named_roles=tuple(found), listed=tuple(found), facts=tuple(facts))

    def _see_also(self, skills: Iterable[str], facts: list[str], sources: list[str]) -> list[str]:
        """The cross-role lines answers.yaml's see_also points to from these skills."""
        lines = []
        for skill in skills:
            for other in self.answering.see_also.get(skill, ()):
                line = self.common_line(other)
                if line and line not in facts:
                    lines.append(self.say("roles_for_skill_see_also", common_line=line))
                    facts.append(line)
                    sources.append("common_skills")
        return lines

    def _overview_suggestions(self, role_ids: Iterable[str]) -> tuple[str, ...]:
        return tuple(s for h in list(role_ids)[:2] for s in self.suggest(
            ("ask_overview", {"role": self.role(h).name, "a_role": with_article(self.role(h).name)})))

    def _roles_with_all(self, skills: tuple[str, ...]) -> Composed:
        """"Which roles use both <skill> and <skill>?": the roles whose key skills list every one."""
        holders = [role.id for role in self.facts.roles if all(s in role.skills for s in skills)]
        words = join(self.skill_word(s) for s in skills)
        facts = self.names(holders)
        if holders:
            lines = [self.say("roles_for_all_skills", skills=words, roles=join(facts))]
        else:
            each = "; ".join(f"{self.skill_word(s)}: "
                             f"{join(self.names(self.roles_with_skill(s))) or self.say('nothing')}" for s in skills)
            lines = [self.say("roles_for_all_skills_none", skills=words, roles=each)]
        sources = [f"roles/{h}/skills" for s in skills for h in self.roles_with_skill(s)]
        common = [line for line in dict.fromkeys(self.common_line(s) for s in skills) if line]
        for line in common:
            lines.append(self.say("roles_for_skill_see_also", common_line=line))
            facts.append(line)
            sources.append("common_skills")
        return Composed("\n".join(lines), tuple(dict.fromkeys(sources)), self._overview_suggestions(holders),
                        named_roles=tuple(holders), listed=tuple(holders), facts=tuple(facts))

    def _roles_with_but_not(self, wanted: tuple[str, ...], unwanted: tuple[str, ...]) -> Composed:
        """"Which roles use <skill> but not <skill>?"."""
        holders = [role.id for role in self.facts.roles
                   if all(s in role.skills for s in wanted) and not any(s in role.skills for s in unwanted)]
        values = {"skill": join(self.skill_word(s) for s in wanted),
                  "other_skill": join((self.skill_word(s) for s in unwanted), "or")}
        key = "roles_for_skill_but_not" if holders else "roles_for_skill_but_not_none"
        lines = [self.say(key, roles=join(self.names(holders)), **values)]
        sources = [f"roles/{h}/skills" for s in (*wanted, *unwanted) for h in self.roles_with_skill(s)]
        return Composed("\n".join(lines), tuple(dict.fromkeys(sources)), self._overview_suggestions(holders),
                        named_roles=tuple(holders), listed=tuple(holders), facts=tuple(self.names(holders)))

    def roles_without_skill(self, r: Resolved) -> Composed:
        """"Which roles don't need <skill>?": the described roles whose key skills lack it."""
        lines, sources = [], []
        for skill in r.skills:
            without = [role.name for role in self.facts.roles if role.in_table and skill not in role.skills]
            word = self.skill_word(skill)
            lines.append(self.say("roles_without_skill", skill=word, roles=join(without) or self.say("nothing")))
            line = self.common_line(skill)
            if line:
                lines.append(self.say("roles_for_skill_also_common", skill=word, common_line=line))
            sources += [f"roles/{role.id}/skills" for role in self.facts.roles if role.in_table]
        return Composed("\n".join(lines), tuple(dict.fromkeys(sources)),
                        self.suggest(*[("ask_roles_for_skill", {"skill": self.skill_word(s)}) for s in r.skills]))

    def recommend_role(self, r: Resolved, reading: Reading) -> Composed:
        # the user's words that are also words of a role's focus or tasks, compared by stem
        interest = {stem(w): w for w in reading.work_words}
        scored = []
        for role in self.facts.roles:
            if not role.in_table:
                continue
            matched = [s for s in r.skills if s in role.skills]
            role_stems = self._role_stems[role.id]
            liked_stems = interest.keys() & role_stems
            liked = sorted(interest[s] for s in liked_stems)
            score = 2 * len(matched) + sum(0.5 if s in self._cue_stems else 1.0 for s in liked_stems)
            if score:
                scored.append((score, role, matched, liked))
        scored.sort(key=lambda x: -x[0])
        if not scored and r.level:
            level = self.facts.level_by_id[r.level]
            return Composed(self.say("recommend_by_level", **self._level_values(level)), (f"career/{level.id}",),
                            tuple(s for rid in level.roles[:2] for s in self.suggest(
                                ("ask_overview", {"role": self.role(rid).name,
                                                  "a_role": with_article(self.role(rid).name)}))),
                            named_roles=level.roles, listed=level.roles, facts=tuple(self.names(level.roles)))
        if not scored:
            examples = join([s.name for s in self.facts.skills[:3]], "or")
            return Composed(self.say("recommend_none", examples=examples), ("roles",),
                            self.suggest(("ask_roles_for_skill",
                                          {"skill": self.skill_word(self.facts.skills[0].name)})),
                            understood=False)
        best_score, best, matched, liked = scored[0]
        # what the user said, in the user's words rather than the notes' name for the skill
        typed = {m.key: m.words for m in reading.mentions if m.kind == "skill"}
        evidence = join([typed.get(s, s) for s in r.skills] + liked)
        key = "recommend_best" if matched else "recommend_best_interest"
        lines = [self.say(key, role=best.name, a_role=with_article(best.name), focus=best.focus,
                          matched=join(matched), evidence=evidence)]
        others = [f"{role.name} ({join(m) or join(li)})" for s, role, m, li in scored[1:3] if s >= 2 or s == best_score]
        if others:
            lines.append(self.say("recommend_runner_up", roles=join(others)))
        return Composed(" ".join(lines), tuple(f"roles/{x[1].id}" for x in scored[:3]),
                        self.role_suggestions(best.id, "ask_overview"), named_roles=(best.id,),
                        facts=(best.name, *matched))

    def list_roles(self, r: Resolved, reading: Reading) -> Composed:
        table = [role for role in self.facts.roles if role.in_table]
        path_only = [role for role in self.facts.roles if not role.in_table]
        lines = [self.say("list_roles_head", count=len(table))]
        lines += [self.say("list_roles_item", number=i, role=role.name, focus=role.focus)
                  for i, role in enumerate(table, 1)]
        if path_only:
            placed = [(role.name, self.level_of(role.id)) for role in path_only]
            lines.append(self.say("list_roles_path_only", roles=join(
                f"{name} ({level.word})" if level else name for name, level in placed)))
        first = table[0] if table else self.facts.roles[0]
        return Composed("\n".join(lines), ("roles", "career"),
                        self.suggest(("ask_overview", {"role": first.name, "a_role": with_article(first.name)})),
                        listed=tuple(role.id for role in table), facts=tuple(role.name for role in self.facts.roles))

    def common_skills(self, r: Resolved, reading: Reading) -> Composed:
        lines = []
        quoted: list[str] = []
        enough = self.cue("enough", reading.tokens) is not None
        for skill in self.asked_skills(r, reading):
            line = self.common_line(skill)
            word = self.skill_word(skill)
            holders = self.roles_with_skill(skill)
            if enough:
                # "is <skill> enough?": what the notes say of it, and that they don't say that
                if line:
                    lines.append(self.say("common_skills_enough", skill=word, common_line=line))
                elif holders:
                    lines.append(self.say("common_skills_enough_roles", skill=word,
                                          roles=join(self.names(holders))))
                else:
                    lines.append(self.say("common_skills_enough_none", skill=word))
            elif line:
                lines.append(self.say("common_skills_yes", skill=word, common_line=line))
            else:
                lines.append(self.say("common_skills_no", skill=word))
                if holders:
                    lines.append(self.say("common_skills_no_roles", roles=join(self.names(holders))))
            if line:
                quoted.append(line)
        # the list, without the line already quoted
        rest = [item.text for item in self.facts.common_skills if item.text not in quoted]
        if rest:
            lines.append(self.say("common_skills_others" if quoted else "common_skills_head"))
            lines += [f"- {text}" for text in rest]
        return Composed("\n".join(lines), ("common_skills",),
                        self.suggest(*[("ask_roles_for_skill", {"skill": self.skill_word(s)}) for s in r.skills[:2]]),
                        facts=tuple(item.text for item in self.facts.common_skills))

    def career_path(self, r: Resolved, reading: Reading) -> Composed:
        levels = self.facts.levels
        lines = [self.say("career_path_intro", start_level=levels[0].name if levels else "",
                          end_level=levels[-1].name if levels else "")]
        for i, level in enumerate(self.facts.levels, 1):
            if i > 1:
                lines.append(self.say("career_path_arrow"))
            lines.append(self.say("career_path_step", number=i, level=level.name, level_word=level.word,
                                  level_roles=join(self.names(level.roles))))
        if self.facts.progression:
            lines.append(self.facts.progression)
        first = self.facts.levels[0] if self.facts.levels else None
        return Composed("\n".join(lines), ("career",),
                        self.suggest(("ask_level_roles", {"level_word": first.word})) if first else (),
                        facts=tuple(level.name for level in self.facts.levels), blocks=(("path", None),))

    def _level_values(self, level: Level) -> dict[str, object]:
        return {"level": level.name, "level_word": level.word, "level_roles": join(self.names(level.roles))}

    def career_level(self, r: Resolved, reading: Reading) -> Composed:
        lines, sources, facts = [], [], []
        asked = self.facts.level_by_id.get(r.level) if r.level else None
        for role_id in r.roles:
            v = self.role_values(role_id)
            level = self.level_of(role_id)
            if level is None:
                lines.append(self.say("career_level_unknown_role", **v))
                continue
            if asked and reading.yes_no:
                key = "career_level_role_yes" if asked.id == level.id else "career_level_role_no"
                lines.append(self.say(key, asked_word=asked.word, **v))
            else:
                others = [name for name in self.names(level.roles) if name != self.role(role_id).name]
                key = "career_level_role" if others else "career_level_role_alone"
                lines.append(self.say(key, level_others=join(others), **v))
            sources.append(f"career/{level.id}")
            facts.append(level.word)
        placed = [(self.facts.level_index(lv.id), rid) for rid in r.roles if (lv := self.level_of(rid))]
        if len(placed) >= 2:
            # several roles: say which the path places furthest along, which two levels leave unsaid
            top = max(index for index, _ in placed)
            if all(index == top for index, _ in placed):
                key = "career_level_same_two" if len(placed) == 2 and "career_level_same_two" in self.t \
                    else "career_level_same"
                lines.append(self.say(key, level=self.facts.levels[top].name))
            else:
                tops = [self.role(rid).name for index, rid in placed if index == top]
                lines.append(self.say("career_level_most_senior", roles=join(tops), level=self.facts.levels[top].name))
        for level_id in (r.levels or ((asked.id,) if asked else ())) if not r.roles else ():
            shown = self.facts.level_by_id[level_id]
            lines.append(self.say("career_level_level", **self._level_values(shown)))
            sources.append(f"career/{shown.id}")
            facts += self.names(shown.roles)
        suggestions: tuple[str, ...] = ()
        if r.roles:
            suggestions = self.role_suggestions(r.roles[0], "ask_level")
        elif asked:
            suggestions = tuple(s for rid in asked.roles[:2] for s in self.suggest(
                ("ask_overview", {"role": self.role(rid).name, "a_role": with_article(self.role(rid).name)})))
        named = tuple(rid for level_id in (r.levels or ((asked.id,) if asked else ())) if not r.roles
                      for rid in self.facts.level_by_id[level_id].roles)
        return Composed("\n".join(lines), tuple(sources), suggestions, facts=tuple(facts),
                        listed=named, named_roles=named)

    def career_next(self, r: Resolved, reading: Reading) -> Composed:
        levels = self.facts.levels
        become = "become" in reading.concepts and "next" not in reading.concepts
        lines: list[str] = []
        facts: list[str] = []
        arrived: str | None = None
        placed = [(rid, self.level_of(rid)) for rid in r.roles]
        between = ((len(reading.roles) >= 2 or become) and len(placed) >= 2
                   and all(level for _, level in placed))
        if between:
            # "can a <role> become a <role>?": the steps of the path between the two
            (a, la), (b, lb) = placed[0], placed[1]
            assert la is not None and lb is not None
            ia, ib = self.facts.level_index(la.id), self.facts.level_index(lb.id)
            steps = " → ".join(lv.name for lv in levels[min(ia, ib): max(ia, ib) + 1])
            key = "career_between" if ia < ib else "career_between_same" if ia == ib else "career_between_down"
            lines.append(self.say(key, role_a=self.role(a).name, role_b=self.role(b).name, level_a=la.name,
                                  level_b=lb.name, steps=steps))
            facts += [lv.word for lv in levels[min(ia, ib): max(ia, ib) + 1]]
        for role_id, level in () if between else placed:
            v = self.role_values(role_id)
            if level is None:
                lines.append(self.say("career_level_unknown_role", **v))
                continue
            index = self.facts.level_index(level.id)
            if become:
                before = [f"{lv.name} ({join(self.names(lv.roles))})" for lv in levels[:index]]
                key = "career_become" if before else "career_become_first"
                lines.append(self.say(key, before=" → ".join(before), **v))
                facts += [level.word, *(lv.word for lv in levels[:index])]
            elif index + 1 < len(levels):
                nxt = levels[index + 1]
                lines.append(self.say("career_next_role", next_level=nxt.name, next_word=nxt.word,
                                      next_roles=join(self.names(nxt.roles)), **v))
                facts += [nxt.word, *self.names(nxt.roles)]
                arrived = nxt.id
            else:
                lines.append(self.say("career_next_last", **v))
                facts.append(level.word)
        if not r.roles and r.level:
            level = self.facts.level_by_id[r.level]
            index = self.facts.level_index(level.id)
            if become:
                before = [f"{lv.name} ({join(self.names(lv.roles))})" for lv in levels[:index]]
                key = "career_level_before" if before else "career_level_before_first"
                lines.append(self.say(key, level=level.name, before=" → ".join(before)))
                facts += [lv.word for lv in levels[:index]]
            elif index + 1 < len(levels):
                nxt = levels[index + 1]
                lines.append(self.say("career_next_level", level=level.name, next_level=nxt.name,
                                      next_word=nxt.word, next_roles=join(self.names(nxt.roles))))
                facts.append(nxt.word)
                arrived = nxt.id
            else:
                lines.append(self.say("career_next_level_last", level=level.name))
        suggestions = self.role_suggestions(r.roles[0], "ask_next") if r.roles else ()
        return Composed("\n".join(lines), ("career",), suggestions, facts=tuple(facts), level=arrived)

    def ml_overview(self, r: Resolved, reading: Reading) -> Composed:
        text = self.say("ml_overview", introduction=" ".join(self.facts.introduction))
        return Composed(text, ("introduction",), self._examples(2), facts=self.facts.introduction)

    def summary(self, r: Resolved, reading: Reading) -> Composed:
        lines = [self.say("summary_head")] + [f"- {point}" for point in self.facts.summary]
        return Composed("\n".join(lines), ("summary",), self._examples(2), facts=self.facts.summary)

    def example(self, intent: str, roles: tuple[str, ...] = (), skills: tuple[str, ...] = ()) -> str | None:
        """The intent's first example question, filled with facts of this knowledge base; with
        `roles`/`skills`, about those (a "did you mean" for the question just asked)."""
        if not roles and not skills:
            # the same for every question: filled once
            if intent not in self._plain_examples:
                self._plain_examples[intent] = self._example(intent, (), ())
            return self._plain_examples[intent]
        return self._example(intent, roles, skills)

    def _example(self, intent: str, roles: tuple[str, ...], skills: tuple[str, ...]) -> str | None:
        spec = self.k.language.intents.get(intent)
        if spec is None or not spec.examples:
            return None
        values = self._example_values(list(self.k.language.intents).index(intent))
        if roles:
            values.update(role=self.role(roles[0]).name, a_role=with_article(self.role(roles[0]).name))
        if len(roles) > 1:
            values.update(an_other=with_article(self.role(roles[1]).name))
        if skills:
            values.update(skill=skills[0])
        return fill(spec.examples[0], values)

    def _example_values(self, seed: int) -> dict[str, object]:
        # a different described role for each intent, so examples show the range of the notes
        table = [r for r in self.facts.roles if r.in_table] or list(self.facts.roles)
        role, other = table[seed % len(table)], table[(seed + 1) % len(table)]
        # names of tools read best in a sample question ("I know <tool> and <tool>")
        skills = sorted(role.skills, key=lambda s: not any(ch.isupper() for ch in s[1:])) or [
            s.name for s in self.facts.skills]
        last_roles = self.facts.levels[-1].roles if self.facts.levels else ()
        last = self.role(last_roles[0]).name if last_roles else other.name
        return {
            "role": role.name, "a_role": with_article(role.name), "an_other": with_article(other.name),
            "skill": as_object(skills[0]) if skills else "",
            "other_skill": as_object(skills[1]) if len(skills) > 1 else "",
            "field": self.facts.domain_name, "a_last_role": last,
            "first_level_word": self.facts.levels[0].word if self.facts.levels else "",
        }

    def examples(self, count: int) -> tuple[str, ...]:
        """The first `count` example questions of the knowledge base (all with 0)."""
        return self._examples(count)

    def _examples(self, count: int) -> tuple[str, ...]:
        # the same for every question: built on first use; questions, not small talk
        if self._all_examples is None:
            self._all_examples = tuple(e for e in (self.example(i) for i in self.k.language.intents
                                                   if i not in SMALL_TALK_INTENTS) if e)
        return self._all_examples[:count] if count else self._all_examples

    def greeting(self, r: Resolved, reading: Reading) -> Composed:
        examples = self._examples(4)
        # the example the greeting gives is not offered again below it
        return Composed(self.say("greeting", title=self.facts.title, example=examples[0] if examples else ""),
                        (), examples[1:])

    def thanks(self, r: Resolved, reading: Reading) -> Composed:
        return Composed(self.say("thanks", title=self.facts.title), (), self._examples(2))

    def goodbye(self, r: Resolved, reading: Reading) -> Composed:
        return Composed(self.say("goodbye", title=self.facts.title))

    def help(self, r: Resolved, reading: Reading) -> Composed:
        examples = "\n".join(f"- {e}" for e in self._examples(0))
        text = self.say("help", title=self.facts.title, examples=examples)
        if "about_bot" in reading.concepts and "about_bot" in self.t:
            # "are you a person?", "who made you?": say what the bot is before what it can do
            text = self.say("about_bot", title=self.facts.title) + "\n" + text
        return Composed(text, (), self._examples(3))

    def out_of_scope(self, r: Resolved, reading: Reading, context: Context | None = None,
                     conversational: bool = True) -> Composed:
        """What the notes lack, in one line chosen by the kind of question (answers.yaml), what
        they cover, and follow-ups about the conversation so far."""
        context = context or Context()
        kind, values, roles = self.refusal(r, reading, context)
        lines = [fill(kind.line, values)]
        if not context.told_scope:
            # what the notes cover is said once a conversation, not after every refusal
            lines.append(self.say("out_of_scope", covers=self.facts.covers))
        suggestions = self.follow_ups(kind, roles, r.skills or context.skills)
        if conversational and not context.told_scope and "out_of_scope_hint" in self.t:
            lines.append(self.say("out_of_scope_hint"))
        return Composed(" ".join(line for line in lines if line), (), suggestions, understood=False)

    def refusal(self, r: Resolved, reading: Reading,
                context: Context) -> tuple[RefusalKind, dict[str, object], tuple[str, ...]]:
        """The kind of an out-of-scope question, the values for its line, and the roles its
        follow-ups are about."""
        about = r.roles or context.roles or context.recent[:1]
        if reading.unknown_roles and ("unknown_role" in self._refusal_by_id):
            title = reading.unknown_roles[0]
            nearest = self.nearest_roles(title, described=True)
            key = "unknown_role_one" if len(nearest) == 1 and "unknown_role_one" in self._refusal_by_id \
                else "unknown_role"
            asked = " ".join(w[:1].upper() + w[1:] for w in title.split())
            return self._refusal_by_id[key], {"asked_title": asked, "roles": join(self.names(nearest))}, \
                tuple(nearest) or about
        found = self.refusal_kind(reading.tokens)
        if found is not None:
            return found, {}, about
        if reading.unexplained and not reading.skills and "unknown_skill" in self._refusal_by_id and (
                not reading.concepts.isdisjoint(("has", "which_roles", "skill", "skill_hint"))):
            return self._refusal_by_id["unknown_skill"], {"words": join(reading.unexplained)}, about
        if reading.pronoun and not about and not reading.roles and "no_referent" in self._refusal_by_id:
            return self._refusal_by_id["no_referent"], {}, about
        default = self._refusal_by_id.get("default") or RefusalKind("default", (), self.t.get("out_of_scope", ""))
        return default, {}, about

    def refusal_kind(self, tokens: tuple[str, ...]) -> RefusalKind | None:
        """The first refusal kind with a phrase in the question, or None."""
        for kind, phrases in self._refusals:
            if phrases.find(tokens) is not None:
                return kind
        return None

    # the intent whose example stands in for a follow-up about a role when none was talked about
    _FOLLOW_UP_INTENTS = {"ask_overview": "role_overview", "ask_skills": "role_skills", "ask_tasks": "role_tasks",
                          "ask_level": "career_level", "ask_next": "career_next", "ask_compare": "role_compare",
                          "ask_roles_for_skill": "roles_for_skill", "list_roles": "list_roles",
                          "career_path": "career_path", "ask_common_skills": "common_skills"}

    def follow_ups(self, kind: RefusalKind, roles: tuple[str, ...], skills: tuple[str, ...]) -> tuple[str, ...]:
        """The refusal's follow-ups, about the roles and skills of the conversation; with none,
        the knowledge base's example questions for them."""
        out: list[str] = []
        for key in kind.suggest:
            intent = self._FOLLOW_UP_INTENTS.get(key, "")
            if key.startswith("ask_") and key in self.t and key != "ask_common_skills":
                if key == "ask_roles_for_skill":
                    if skills:
                        out.append(self.say(key, skill=self.skill_word(skills[0])))
                    continue
                for role_id in roles[:2] if key == "ask_overview" else roles[:1]:
                    role = self.role(role_id)
                    if not role.in_table and key in ("ask_skills", "ask_tasks"):
                        continue
                    values = self.role_values(role_id)
                    if key == "ask_compare":
                        other = next((o for o in (*roles[1:], *(x.id for x in self.facts.roles)) if o != role_id), None)
                        values["an_other"] = with_article(self.role(other).name) if other else ""
                    out.append(self.say(key, **values))
                if roles:
                    continue
            example = self.example(intent) if intent else None
            if example:
                out.append(example)
        if skills and len(out) < 3:
            out.append(self.say("ask_roles_for_skill", skill=self.skill_word(skills[0])))
        return tuple(dict.fromkeys(s for s in out if s))[:3]

    def nearest_roles(self, phrase: str, limit: int = 2, described: bool = False) -> list[str]:
        """Known roles closest to a title the notes do not cover: sharing its specific words
        first ("<word>" of "<word> <head word>"), the job-title word last, then by spelling.
        `described`: only roles the notes describe (not those only named in the path)."""
        from rapidfuzz import fuzz, utils

        heads = self.k.language.vocabulary.role_head_words
        words = set(utils.default_process(phrase).split())
        scored = []
        for role in self.facts.roles:
            if described and not role.in_table:
                continue
            name = utils.default_process(role.name.split("(")[0])
            shared = words & set(name.split())
            spelling = fuzz.token_sort_ratio(phrase, name, processor=utils.default_process)
            score = 100 * len(shared - heads) + 10 * len(shared & heads) + spelling / 10
            scored.append((score, role.id, bool(shared) or score >= 5))
        scored.sort(key=lambda x: -x[0])
        close = [rid for _, rid, near in scored if near]
        # nothing close at all: still the nearest by spelling, never an empty list
        return (close or [rid for _, rid, _ in scored])[:limit]

    def clarify(self, r: Resolved) -> Composed:
        assert r.clarify is not None
        if r.clarify:
            choices = "\n".join(self.say("clarify_role_choice", number=i, role=self.role(rid).name)
                                for i, rid in enumerate(r.clarify, 1))
            comparing = r.intent == "role_compare" and r.roles and "clarify_compare" in self.t
            key = "clarify_compare" if comparing else "clarify_role"
            text = self.say(key, choices=choices, role=self.role(r.roles[0]).name if r.roles else "")
            suggestions = tuple(self.role(rid).name for rid in r.clarify)
            return Composed(text, (), suggestions, listed=r.clarify, understood=False,
                            blocks=(("choices", r.clarify),))
        table = [role for role in self.facts.roles if role.in_table]
        text = self.say("clarify_any_role", roles=join([role.name for role in table[:4]], "or"))
        return Composed(text, (), tuple(role.name for role in table[:3]), understood=False)


class Phrases:
    """Phrases of answers.yaml as the question's tokens read them, indexed by first word so
    that finding them costs a look-up per word of the question. A phrase may have a gap
    ("what does ... mean"): its right part must come after its left."""

    def __init__(self, texts: Iterable[str], tokens_of: Callable[[str], tuple[str, ...]]) -> None:
        self.by_first: dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]] = {}
        for text in texts:
            left_text, _, right_text = text.partition("...")
            left = tokens_of(left_text)
            right = tokens_of(right_text) if right_text.strip() else ()
            if left:
                self.by_first.setdefault(left[0], []).append((left, right))

    def find(self, tokens: tuple[str, ...]) -> int | None:
        """Where the first phrase found starts, or None."""
        by_first = self.by_first
        for i, token in enumerate(tokens):
            for left, right in by_first.get(token, ()):
                end = i + len(left)
                if tokens[i:end] == left and (not right or _find(tokens, right, end) >= 0):
                    return i
        return None


def _find(tokens: tuple[str, ...], part: tuple[str, ...], start: int = 0) -> int:
    n = len(part)
    for i in range(start, len(tokens) - n + 1):
        if tokens[i:i + n] == part:
            return i
    return -1
