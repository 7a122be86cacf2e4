"""A small VT100 screen, enough to rebuild what prompt_toolkit draws, so terminal tests can
assert on the screen a user sees (and print all of it when they fail).

It answers cursor position requests as a terminal does, and understands printable text,
CR/LF/BS/TAB, cursor moves (CUU/CUD/CUF/CUB/CHA/CUP/VPA), erase in line/display, autowrap
on/off and scrolling at the bottom; colours and other modes are ignored. Lines that scroll
off the top are kept, so a failure shows them too.
"""

from __future__ import annotations

import re

_SEQUENCE = re.compile(
    r"\x1b\[(?P<params>[0-?]*)(?P<inter>[ -/]*)(?P<final>[@-~])"  # CSI
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"  # OSC (window title)
    r"|\x1b[()][0-9A-Za-z]"  # charset selection
    r"|\x1b[@-Z\\-_=>]"  # other two-character escapes
)


class Screen:
    def __init__(self, rows: int, columns: int) -> None:
        self.rows, self.columns = rows, columns
        self.lines = [[" "] * columns for _ in range(rows)]
        self.scrolled: list[str] = []
        self.x = self.y = 0
        self.autowrap = True
        self._pending = ""  # an escape sequence cut in two by a read
        self.replies: list[str] = []  # what the terminal answers (cursor position reports)

    # -- feeding --
    def feed(self, data: str) -> None:
        data = self._pending + data
        self._pending = ""
        pos = 0
        while pos < len(data):
            ch = data[pos]
            if ch == "\x1b":
                m = _SEQUENCE.match(data, pos)
                if m is None:
                    if len(data) - pos < 32:
                        self._pending = data[pos:]  # wait for the rest
                        return
                    pos += 1  # a stray ESC
                    continue
                if m.group("final"):
                    self._csi(m.group("params"), m.group("inter"), m.group("final"))
                pos = m.end()
                continue
            self._char(ch)
            pos += 1

    def _char(self, ch: str) -> None:
        if ch == "\r":
            self.x = 0
        elif ch == "\n":
            self._linefeed()
        elif ch == "\b":
            self.x = max(0, self.x - 1)
        elif ch == "\t":
            self.x = min(self.columns - 1, (self.x // 8 + 1) * 8)
        elif ch == "\x07" or ord(ch) < 32:
            pass
        else:
            if self.x >= self.columns:
                if self.autowrap:
                    self.x = 0
                    self._linefeed()
                else:
                    self.x = self.columns - 1
            self.lines[self.y][self.x] = ch
            self.x += 1

    def _linefeed(self) -> None:
        if self.y + 1 < self.rows:
            self.y += 1
            return
        self.scrolled.append("".join(self.lines.pop(0)).rstrip())
        self.lines.append([" "] * self.columns)

    def _csi(self, params: str, inter: str, final: str) -> None:
        if params.startswith("?"):
            if final in "hl" and "7" in params[1:].split(";"):
                self.autowrap = final == "h"
            return
        if inter:
            return  # e.g. cursor shape
        if final == "n" and params == "6":  # where is the cursor? (prompt_toolkit asks)
            self.replies.append(f"\x1b[{self.y + 1};{min(self.x, self.columns - 1) + 1}R")
            return
        numbers = [int(p) if p.isdigit() else 0 for p in params.split(";")] if params else []
        n = numbers[0] if numbers and numbers[0] else 1
        if final == "A":
            self.y = max(0, self.y - n)
        elif final == "B":
            self.y = min(self.rows - 1, self.y + n)
        elif final == "C":
            self.x = min(self.columns - 1, self.x + n)
        elif final == "D":
            self.x = max(0, min(self.x, self.columns - 1) - n)
        elif final == "G":
            self.x = min(self.columns - 1, n - 1)
        elif final == "d":
            self.y = min(self.rows - 1, n - 1)
        elif final in "Hf":
            row = numbers[0] if numbers and numbers[0] else 1
            col = numbers[1] if len(numbers) > 1 and numbers[1] else 1
            self.y, self.x = min(self.rows, row) - 1, min(self.columns, col) - 1
        elif final == "K":
            mode = numbers[0] if numbers else 0
            line = self.lines[self.y]
            x = min(self.x, self.columns)
            span = range(x, self.columns) if mode == 0 else range(0, x + 1) if mode == 1 \
                else range(self.columns)
            for i in span:
                if i < self.columns:
                    line[i] = " "
        elif final == "J":
            mode = numbers[0] if numbers else 0
            if mode == 0:
                self._csi("", "", "K")
                rows = range(self.y + 1, self.rows)
            elif mode == 1:
                rows = range(0, self.y)
            else:
                rows = range(self.rows)
            for r in rows:
                self.lines[r] = [" "] * self.columns

    # -- reading --
    def display(self) -> list[str]:
        return ["".join(line).rstrip() for line in self.lines]

    def text(self) -> str:
        """Everything shown so far: lines scrolled away, then the screen."""
        return "\n".join([*self.scrolled, *self.display()])

    def dump(self) -> str:
        width = self.columns
        border = "+" + "-" * width + "+"
        body = [f"|{line.ljust(width)}|" for line in self.display()]
        before = [f" {line}" for line in self.scrolled[-40:]]
        head = ["(scrolled off the top:)", *before] if before else []
        return "\n".join([*head, border, *body, border, f"cursor at row {self.y + 1}, column {self.x + 1}"])
