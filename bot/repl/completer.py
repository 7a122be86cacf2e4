"""Tab completion of role names (and their aliases), skills and slash commands, matched
fuzzily and inside a sentence: in "what does a <prefix>" the last word(s) are completed, so
Tab offers the role names starting with the prefix and replaces only the prefix.

The phrases come from the knowledge base; a completion always inserts the name as the
notes spell it, whichever alias matched.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from prompt_toolkit.completion import CompleteEvent, Completer, Completion, PathCompleter
from prompt_toolkit.document import Document

from ..model import Facts
from .commands import ALL_OPTION

# how many trailing words of the sentence may form the phrase being completed
MAX_WORDS = 4
MIN_SCORE = 80.0
LIMIT = 12
_WORD = re.compile(r"[^\W_][\w+#.'/-]*", re.UNICODE)
_KIND_ORDER = {"command": 0, "role": 1, "skill": 2}


@dataclass(frozen=True)
class Phrase:
    text: str  # what is matched (a name or an alias), lower case
    name: str  # what is inserted
    kind: str  # role | skill | command
    meta: str = ""


def phrases_from(facts: Facts) -> list[Phrase]:
    """Every role name and alias and every skill name and alias of the knowledge base."""
    out: list[Phrase] = []
    for role in facts.roles:
        out.append(Phrase(role.name.lower(), role.name, "role", "role"))
        for alias in role.aliases:
            out.append(Phrase(alias.lower(), role.name, "role", f"role ({alias})"))
    for skill in facts.skills:
        out.append(Phrase(skill.name.lower(), skill.name, "skill", "skill"))
        for alias in skill.aliases:
            out.append(Phrase(alias.lower(), skill.name, "skill", f"skill ({alias})"))
    return out


def score(fragment: str, phrase: str) -> float:
    """How well the typed fragment starts (or names a word of) the phrase, 0..100."""
    f, p = fragment.lower(), phrase.lower()
    if not f:
        return 0.0
    if p.startswith(f):
        return 100.0
    typed, words = f.split(), p.split()
    # "abc de" -> "abcxyz defg hij": each typed word starts a word of the name, in order
    if len(typed) <= len(words) and all(words[i].startswith(t) for i, t in enumerate(typed)):
        return 96.0
    if len(typed) == 1:
        # a later word of the name: "defg" -> "abcxyz defg hij"
        if len(f) >= 3 and any(w.startswith(f) for w in words[1:]):
            return 90.0
    if len(f) < 3 or f[0] != p[0]:
        return 0.0  # typos are forgiven, but not in the first letter or in tiny fragments
    # a typo in the beginning of the phrase: compare with the phrase's start of equal length
    from rapidfuzz import fuzz  # on the first completion, not before the first prompt (~9 ms)

    return float(fuzz.ratio(f, p[: len(f)]))


class MlbotCompleter(Completer):
    """Completes the end of the sentence against the knowledge base and commands."""

    def __init__(self, facts: Facts, commands: Sequence[tuple[str, str]],
                 stopwords: Iterable[str] = (),
                 on_error: Callable[[BaseException], None] | None = None) -> None:
        self.phrases = phrases_from(facts)
        # a lone "a", "is", "do" is a finished word of the sentence, not a name begun
        self.stopwords = frozenset(w.lower() for w in stopwords)
        self.commands = [Phrase(name.lower(), name, "command", help_) for name, help_ in commands]
        self.paths = PathCompleter(expanduser=True)
        self.on_error = on_error

    def get_completions(self, document: Document,
                        complete_event: CompleteEvent) -> Iterable[Completion]:
        try:
            yield from self._completions(document, complete_event)
        except Exception as error:  # noqa: BLE001 - a completion bug must never end the REPL
            if self.on_error:
                self.on_error(error)

    def _completions(self, document: Document, event: CompleteEvent) -> Iterable[Completion]:
        before = document.text_before_cursor
        if before.startswith("/"):
            yield from self._command_completions(before, event)
            return
        if not before or before[-1].isspace():
            return
        words = list(_WORD.finditer(before))
        if not words or words[-1].end() != len(before):
            return
        # the trailing fragments: "comp", "a comp", "does a comp", ...
        first = max(0, len(words) - MAX_WORDS)
        fragments = [before[words[i].start():] for i in range(first, len(words))]
        explicit = event.completion_requested
        best: dict[tuple[str, str], tuple[float, int, bool, Phrase]] = {}
        for fragment in fragments:
            if len(fragment) < (1 if explicit else 2) or fragment.lower() in self.stopwords:
                continue
            for phrase in self.phrases:
                s = score(fragment, phrase.text)
                if s < MIN_SCORE:
                    continue
                key = (phrase.kind, phrase.name)
                on_name = phrase.text == phrase.name.lower()
                candidate = (s, len(fragment), on_name, phrase)
                # prefer the higher score, then the longer fragment (it replaces more of what
                # was typed: "machine le" rather than "le"), then a match on the name itself
                if key not in best or candidate[:3] > best[key][:3]:
                    best[key] = candidate
        ranked = sorted(best.values(), key=lambda c: (
            -c[0], -c[1], not c[2], _KIND_ORDER[c[3].kind], len(c[3].name), c[3].name))
        for _, length, _, phrase in ranked[:LIMIT]:
            if before[-length:] == phrase.name:
                continue  # already typed exactly so
            yield Completion(phrase.name, start_position=-length, display=phrase.name,
                             display_meta=phrase.meta)

    def _command_completions(self, before: str, event: CompleteEvent) -> Iterable[Completion]:
        if " " in before:
            command, _, arg = before.partition(" ")
            if command == "/save-test":
                arg = arg.lstrip()
                if arg.startswith(ALL_OPTION + " "):  # the option, then the file name to complete
                    arg = arg[len(ALL_OPTION):].lstrip()
                yield from self.paths.get_completions(Document(arg, len(arg)), event)
            return
        from rapidfuzz import fuzz  # on the first completion, not before the first prompt

        typed = before.lower()
        ranked = []
        for phrase in self.commands:
            s = 100.0 if phrase.text.startswith(typed) else float(fuzz.ratio(typed, phrase.text))
            if s >= 60:
                ranked.append((-s, phrase.name, phrase))
        for _, _, phrase in sorted(ranked):
            yield Completion(phrase.name, start_position=-len(before), display=phrase.name,
                             display_meta=phrase.meta)
