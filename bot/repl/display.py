"""What the REPL prints: one result shape for answers and slash commands, drawn as styled,
word-wrapped lines.

A `Result` is a list of parts (prose, headings, bullet lists, a ladder, a table, notes);
`Display.from_answer` builds one from an `Answer` using its display hints (`Answer.blocks`)
and the knowledge base, the slash commands build theirs directly, and `Display.lines` draws
any of them for a given width. Like litecli's special commands, commands and answers share
this one printing path.

Every piece of text passes through `render.safe`, so nothing reaches the terminal as an
escape sequence, whatever the notes or the user typed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from prompt_toolkit.formatted_text import StyleAndTextTuples
from prompt_toolkit.styles import Style
from prompt_toolkit.utils import get_cwidth

from ..engine import Answer
from ..model import Facts, Role
from ..render import render_explanation, safe

# Below this many columns a side-by-side table is unreadable: the answer's own text is shown.
MIN_TABLE_WIDTH = 56
# Prose is wrapped at this width even on a wide terminal, so lines stay easy to read.
MAX_PROSE_WIDTH = 100
BULLET = "•"
ARROW = "↓"

STYLE = Style.from_dict({
    "prompt": "bold ansigreen",
    "role": "bold ansicyan",
    "heading": "bold",
    "label": "bold",
    "bullet": "ansicyan",
    "number": "bold ansiyellow",
    "level": "bold ansimagenta",
    "arrow": "ansimagenta",
    "rule": "ansibrightblack",
    "table.header": "bold",
    "suggestion": "ansigreen",
    "dim": "ansibrightblack",
    "explain": "ansibrightblack",
    "warning": "ansiyellow",
    "error": "bold ansired",
    "toolbar.context": "bold",
    "toolbar.key": "bold",
})

Fragments = list[tuple[str, str]]


# --- the result shape ----------------------------------------------------------------------
@dataclass(frozen=True)
class Text:
    """Prose. Lines starting "- " become bullets and "1. " numbered items."""

    text: str
    style: str = ""


@dataclass(frozen=True)
class Heading:
    text: str
    style: str = "class:heading"


@dataclass(frozen=True)
class Items:
    items: tuple[str, ...]
    label: str = ""
    numbered: bool = False
    style: str = ""


@dataclass(frozen=True)
class Pairs:
    """Terms and what they mean, in two aligned columns (commands and their help)."""

    rows: tuple[tuple[str, str], ...]
    label: str = ""


@dataclass(frozen=True)
class Ladder:
    """Levels from first to last, each with the roles at that level."""

    steps: tuple[tuple[str, tuple[str, ...]], ...]


@dataclass(frozen=True)
class Row:
    label: str
    cells: tuple[tuple[str, ...], ...]  # one tuple of lines per column
    bullets: bool = False


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[Row, ...]
    fallback: str = ""  # shown instead when the terminal is too narrow


@dataclass(frozen=True)
class Blank:
    pass


Part = Text | Heading | Items | Pairs | Ladder | Table | Blank


@dataclass(frozen=True)
class Result:
    """What one input produced: an answer or a command's output, printed the same way."""

    parts: tuple[Part, ...]
    answer: Answer | None = None
    quit: bool = False
    error: bool = False


def message(text: str, style: str = "", *, quit: bool = False, error: bool = False) -> Result:
    return Result((Text(text, style),), quit=quit, error=error)


# --- wrapping ------------------------------------------------------------------------------
def width_of(text: str) -> int:
    return get_cwidth(text)


def _words(frags: Fragments) -> list[Fragments]:
    """Split styled text into words (runs of non-spaces, possibly of several styles).

    A role name is one word, so a line never breaks inside it unless it cannot fit at all.
    """
    words: list[Fragments] = []
    current: Fragments = []
    for style, text in frags:
        if "class:role" in style and text.strip() == text and text:
            current.append((style, text))
            continue
        for piece in re.split(r"( +)", text):
            if not piece:
                continue
            if piece.startswith(" "):
                if current:
                    words.append(current)
                    current = []
            else:
                current.append((style, piece))
    if current:
        words.append(current)
    return words


def _unglue(word: Fragments) -> list[Fragments]:
    """A word kept whole (a role name) split back at its spaces."""
    out: list[Fragments] = [[]]
    for style, text in word:
        for n, piece in enumerate(text.split(" ")):
            if n:
                out.append([])
            if piece:
                out[-1].append((style, piece))
    return [w for w in out if w]


def _split_long(word: Fragments, room: int) -> list[Fragments]:
    """A word wider than a whole line, cut into pieces of at most `room` columns."""
    pieces: list[Fragments] = [[]]
    used = 0
    for style, text in word:
        for ch in text:
            w = width_of(ch)
            if used + w > room and used:
                pieces.append([])
                used = 0
            pieces[-1].append((style, ch))
            used += w
    return pieces


def wrap(frags: Fragments, width: int, first: Fragments | None = None,
         rest: Fragments | None = None) -> list[Fragments]:
    """Greedy word wrap of styled text; `first`/`rest` prefix the first/following lines."""
    first = first or []
    rest = rest if rest is not None else [("", " " * sum(width_of(t) for _, t in first))]
    lines: list[Fragments] = []
    line: Fragments = list(first)
    used = sum(width_of(t) for _, t in first)
    empty = True
    rest_width = sum(width_of(t) for _, t in rest)
    queue = _words(frags)
    while queue:
        word = queue.pop(0)
        wlen = sum(width_of(t) for _, t in word)
        if wlen > width - rest_width and any(" " in t for _, t in word):
            queue[:0] = _unglue(word)  # too wide for any line: let it break at its spaces
            continue
        gap = 0 if empty else 1
        if used + gap + wlen > width and not empty:
            lines.append(line)
            line = list(rest)
            used = rest_width
            empty, gap = True, 0
        room = max(1, width - used)
        if wlen > room and empty and any(" " in t for _, t in word):
            queue[:0] = _unglue(word)
            continue
        if wlen > room and empty:
            pieces = _split_long(word, room)
            for piece in pieces[:-1]:
                lines.append(line + piece)
                line = list(rest)
                used = rest_width
            word = pieces[-1]
            wlen = sum(width_of(t) for _, t in word)
        if gap:
            # a space between two words of one style takes that style, so runs merge
            same = bool(line) and line[-1][0] == word[0][0]
            line.append((word[0][0] if same else "", " "))
        line.extend(word)
        used += gap + wlen
        empty = False
    lines.append(line)
    return [_merge(each) for each in lines]


def _merge(line: Fragments) -> Fragments:
    """Adjacent fragments of one style joined: fewer escape codes on the wire."""
    out: Fragments = []
    for style, text in line:
        if out and out[-1][0] == style:
            out[-1] = (style, out[-1][1] + text)
        elif text:
            out.append((style, text))
    return out


def plain(lines: Sequence[Fragments]) -> str:
    """The lines as plain text (for tests and for copying)."""
    return "\n".join("".join(t for _, t in line).rstrip() for line in lines)


# --- drawing -------------------------------------------------------------------------------
_BULLET_LINE = re.compile(r"^(\s*)- (.*)$")
_NUMBER_LINE = re.compile(r"^(\s*)(\d+)\. (.*)$")


class Display:
    """Draws results for one knowledge base (it knows the role names to emphasise)."""

    def __init__(self, facts: Facts) -> None:
        self.facts = facts
        names = sorted({safe(r.name) for r in facts.roles if r.name}, key=len, reverse=True)
        # whole names (or their plurals) only, longest first, so a short name never eats
        # part of a longer one
        alternatives = "|".join(re.escape(n) for n in names)
        self._names = re.compile(rf"(?<!\w)(?:{alternatives})s?(?!\w)") if names else None

    # -- answers -> results --
    def from_answer(self, answer: Answer, width: int, explain: bool = False) -> Result:
        parts: list[Part] = []
        kinds = [kind for kind, _ in answer.blocks]
        if kinds and all(k == "role" for k in kinds):
            parts += self._role_cards(answer)
        elif kinds and all(k in ("skills", "tasks") for k in kinds):
            parts += self._role_lists(answer)
        elif kinds == ["compare"]:
            parts += self._compare(answer, width)
        elif kinds == ["path"]:
            parts += self._path(answer)
        else:
            parts.append(Text(answer.text))
        if "choices" in kinds:
            parts.append(Text("Type a number to choose, or name the role.", "class:dim"))
        if answer.notice:
            parts.append(Text(answer.notice, "class:warning"))
        if answer.suggestions and "choices" not in kinds:
            # numbered when a bare number picks one (the engine remembers them)
            parts += [Blank(), Items(answer.suggestions, label="You could ask:", style="class:suggestion",
                                     numbered=answer.context.suggestions == answer.suggestions)]
        if explain:
            parts += [Blank(), self.explanation(answer)]
        return Result(tuple(parts), answer=answer)

    def explanation(self, answer: Answer) -> Text:
        text = render_explanation(answer)
        quoted = [f for f in dict.fromkeys(answer.facts) if f]
        if quoted:
            text += "\n   quoted from the notes: " + "; ".join(f"\"{f}\"" for f in quoted[:6])
        return Text(text, "class:explain")

    def _role(self, role_id: object) -> Role | None:
        return self.facts.role_by_id.get(role_id) if isinstance(role_id, str) else None

    def _level_name(self, role_id: str) -> str:
        level_id = self.facts.level_of_role.get(role_id)
        level = self.facts.level_by_id.get(level_id) if level_id else None
        return level.name if level else ""

    def card(self, role: Role) -> list[Part]:
        """A role the notes describe: name and level, focus, skills and tasks as lists."""
        level = self._level_name(role.id)
        parts: list[Part] = [Heading(role.name + (f" ({level})" if level else ""), "class:role")]
        if role.focus:
            parts.append(Text(role.focus.rstrip(".") + "."))
        if role.skills:
            parts.append(Items(role.skills, label="Key skills:"))
        if role.tasks:
            parts.append(Items(role.tasks, label="Example tasks:"))
        return parts

    def _role_lists(self, answer: Answer) -> list[Part]:
        """A skills or tasks answer: each role's sentence drawn as its lead-in and a list, one
        item a line (the plain answer says them once, inline)."""
        paragraphs = answer.text.split("\n\n")
        if len(paragraphs) != len(answer.blocks):
            return [Text(answer.text)]
        parts: list[Part] = []
        for (kind, data), paragraph in zip(answer.blocks, paragraphs, strict=True):
            role = self._role(data)
            items = (role.skills if kind == "skills" else role.tasks) if role and role.in_table else ()
            if parts:
                parts.append(Blank())
            lead, colon, _ = paragraph.partition(":")
            if items and colon and "\n" not in paragraph:
                parts.append(Items(tuple(f"{i[:1].upper()}{i[1:]}" for i in items), label=lead + colon))
            else:
                parts.append(Text(paragraph))
        return parts

    def _role_cards(self, answer: Answer) -> list[Part]:
        roles = [self._role(data) for _, data in answer.blocks]
        # the engine writes one paragraph per role, in block order
        paragraphs = answer.text.split("\n\n")
        if any(r is None for r in roles) or len(paragraphs) != len(roles):
            return [Text(answer.text)]
        parts: list[Part] = []
        for role, paragraph in zip(roles, paragraphs, strict=True):
            assert role is not None
            if parts:
                parts.append(Blank())
            parts += self.card(role) if role.in_table else [Text(paragraph)]
        return parts

    def _compare(self, answer: Answer, width: int) -> list[Part]:
        data = answer.blocks[0][1]
        pair = data if isinstance(data, tuple) and len(data) == 2 else ()
        roles = [self._role(r) for r in pair]
        if len(roles) != 2 or roles[0] is None or roles[1] is None:
            return [Text(answer.text)]
        table = self.compare_table(roles[0], roles[1], fallback=answer.text)
        if width < MIN_TABLE_WIDTH:
            return [Text(answer.text)]
        return [Text(answer.text.split("\n", 1)[0], "class:heading"), table]

    def compare_table(self, a: Role, b: Role, fallback: str = "") -> Table:
        def skills(role: Role, other: Role) -> tuple[str, ...]:
            return tuple(f"{s} (both)" if s in other.skills else s for s in role.skills)

        rows = (
            Row("Main focus", ((a.focus or "—",), (b.focus or "—",))),
            Row("Level", ((self._level_name(a.id) or "—",), (self._level_name(b.id) or "—",))),
            Row("Key skills", (skills(a, b), skills(b, a)), bullets=True),
            Row("Example tasks", (a.tasks, b.tasks), bullets=True),
        )
        return Table((a.name, b.name), rows, fallback)

    def ladder(self) -> Ladder:
        steps = []
        for level in self.facts.levels:
            by_id = self.facts.role_by_id
            names = tuple(by_id[r].name for r in level.roles if r in by_id)
            steps.append((level.name, names))
        return Ladder(tuple(steps))

    def _path(self, answer: Answer) -> list[Part]:
        lines = answer.text.split("\n")
        parts: list[Part] = [Text(lines[0], "class:heading"), self.ladder()]
        if self.facts.progression and self.facts.progression in answer.text:
            parts.append(Text(self.facts.progression))
        return parts

    # -- results -> styled lines --
    def lines(self, result: Result, width: int) -> list[Fragments]:
        width = max(10, width)
        out: list[Fragments] = []
        for part in result.parts:
            out += self._draw(part, width, result.error)
        return out

    def fragments(self, result: Result, width: int) -> StyleAndTextTuples:
        out: StyleAndTextTuples = []
        for line in self.lines(result, width):
            out.extend(line)
            out.append(("", "\n"))
        return out

    def emphasise(self, text: str, style: str = "") -> Fragments:
        """Text with role names in the role style."""
        text = safe(text)
        if self._names is None:
            return [(style, text)]
        out: Fragments = []
        pos = 0
        for m in self._names.finditer(text):
            if m.start() > pos:
                out.append((style, text[pos:m.start()]))
            out.append((f"{style} class:role".strip(), m.group(0)))
            pos = m.end()
        if pos < len(text):
            out.append((style, text[pos:]))
        return out

    def _draw(self, part: Part, width: int, error: bool) -> list[Fragments]:
        prose = min(width, MAX_PROSE_WIDTH)
        if isinstance(part, Blank):
            return [[]]
        if isinstance(part, Heading):
            return wrap([(part.style, safe(part.text))], prose)
        if isinstance(part, Text):
            style = part.style or ("class:error" if error else "")
            return self._text(part.text, style, prose)
        if isinstance(part, Items):
            return self._items(part, prose)
        if isinstance(part, Pairs):
            return self._pairs(part, prose)
        if isinstance(part, Ladder):
            return self._ladder(part, width)
        return self._table(part, width)

    def _text(self, text: str, style: str, width: int) -> list[Fragments]:
        out: list[Fragments] = []
        for raw in safe(text).split("\n"):
            if not raw.strip():
                out.append([])
                continue
            bullet = _BULLET_LINE.match(raw)
            number = _NUMBER_LINE.match(raw)
            if bullet:
                indent = len(bullet.group(1)) + 2
                first = [("", " " * indent), ("class:bullet", BULLET), ("", " ")]
                out += wrap(self.emphasise(bullet.group(2), style), width, first)
            elif number:
                indent = len(number.group(1)) + 2
                first = [("", " " * indent), ("class:number", number.group(2) + "."), ("", " ")]
                out += wrap(self.emphasise(number.group(3), style), width, first)
            else:
                lead = len(raw) - len(raw.lstrip(" "))
                prefix = [("", " " * lead)] if lead else []
                # continuation lines hang under the text, as in "   matched: ..."
                out += wrap(self.emphasise(raw.lstrip(" "), style), width, prefix,
                            [("", " " * (lead + 3 if lead else 0))])
        return out

    def _items(self, part: Items, width: int) -> list[Fragments]:
        out: list[Fragments] = []
        if part.label:
            out += wrap([("class:label", safe(part.label))], width)
        digits = len(str(len(part.items)))
        for i, item in enumerate(part.items, 1):
            if part.numbered:
                mark = [("", "  "), ("class:number", f"{i:>{digits}}."), ("", " ")]
            else:
                mark = [("", "  "), ("class:bullet", BULLET), ("", " ")]
            out += wrap(self.emphasise(item, part.style), width, mark)
        return out

    def _pairs(self, part: Pairs, width: int) -> list[Fragments]:
        out: list[Fragments] = []
        if part.label:
            out += wrap([("class:label", safe(part.label))], width)
        column = max((width_of(safe(t)) for t, _ in part.rows), default=0) + 4
        for term, meaning in part.rows:
            term = safe(term)
            if column + 12 > width:  # too narrow for two columns: the meaning goes below
                out.append([("", "  "), ("class:label", term)])
                out += wrap(self.emphasise(meaning), width, [("", "    ")])
                continue
            first = [("", "  "), ("class:label", term), ("", " " * (column - 2 - width_of(term)))]
            out += wrap(self.emphasise(meaning), width, first, [("", " " * column)])
        return out

    def _ladder(self, part: Ladder, width: int) -> list[Fragments]:
        names = [safe(name) for name, _ in part.steps]
        digits = len(str(len(names)))
        label_width = max((width_of(n) for n in names), default=0)
        lead = 2 + digits + 2  # "  1  "
        column = lead + label_width + 3
        side_by_side = width - column >= 20
        out: list[Fragments] = []
        for i, ((_, roles), name) in enumerate(zip(part.steps, names, strict=True), 1):
            if i > 1:
                out.append([("", " " * (2 + digits + 2)), ("class:arrow", ARROW)])
            number = [("", "  "), ("class:number", f"{i:>{digits}}"), ("", "  ")]
            role_frags: Fragments = []
            for j, role in enumerate(roles):
                if j:
                    role_frags.append(("class:dim", " · "))
                role_frags.append(("class:role", safe(role)))
            if side_by_side:
                pad = " " * (label_width - width_of(name) + 3)
                first = [*number, ("class:level", name), ("", pad)]
                out += wrap(role_frags, width, first, [("", " " * column)])
            else:
                out.append([*number, ("class:level", name)])
                out += wrap(role_frags, width, [("", " " * lead)])
        return out

    def _cell_lines(self, lines: tuple[str, ...], width: int, bullets: bool) -> list[Fragments]:
        if not lines:
            return [[("class:dim", "—")]]  # the notes give nothing here
        out: list[Fragments] = []
        for line in lines:
            if bullets:
                out += wrap(self.emphasise(line), width, [("class:bullet", BULLET), ("", " ")])
            else:
                out += wrap(self.emphasise(line), width)
        return out

    def _table(self, table: Table, width: int) -> list[Fragments]:
        columns = len(table.headers)
        label_width = max((width_of(r.label) for r in table.rows), default=0) + 2
        room = width - 2 - label_width - 3 * (columns - 1)
        if columns == 0 or room // columns < 14:
            if not table.fallback:
                return []
            return self._text(table.fallback, "", min(width, MAX_PROSE_WIDTH))
        col = min(room // columns, 48)  # wider columns only spread the eye
        gap = " " * 3

        def row_lines(label: Fragments, cells: list[list[Fragments]]) -> list[Fragments]:
            height = max([1, *(len(c) for c in cells)])
            lines: list[Fragments] = []
            for k in range(height):
                line: Fragments = [("", "  ")]
                line += label if k == 0 else []
                used = sum(width_of(t) for _, t in label) if k == 0 else 0
                line.append(("", " " * (label_width - used)))
                for n, cell in enumerate(cells):
                    piece = cell[k] if k < len(cell) else []
                    line += piece
                    if n + 1 < columns:
                        line.append(("", " " * (col - sum(width_of(t) for _, t in piece)) + gap))
                lines.append(line)
            return lines

        headers = [wrap([("class:table.header class:role", safe(h))], col) for h in table.headers]
        out = row_lines([], headers)
        rule = label_width + columns * col + len(gap) * (columns - 1)
        out.append([("", "  "), ("class:rule", "─" * rule)])
        for row in table.rows:
            cells = [self._cell_lines(c, col, row.bullets) for c in row.cells]
            out += row_lines([("class:label", safe(row.label))], cells)
        return out
