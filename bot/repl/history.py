"""Persistent question history that can never stop the REPL.

The file lives in $XDG_STATE_HOME/mlbot/history (default ~/.local/state/mlbot/history).
When it cannot be read or written (read-only home, a directory in its place, disk full) the
REPL warns once and keeps the history in memory for the rest of the session.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from prompt_toolkit.history import FileHistory


def history_path(environ: Mapping[str, str] | None = None) -> Path:
    """Where the history file goes, following the XDG base directory spec."""
    env = os.environ if environ is None else environ
    state = env.get("XDG_STATE_HOME", "")
    # the spec says a relative path is invalid and must be ignored
    base = Path(state) if state and os.path.isabs(state) else Path.home() / ".local" / "state"
    return base / "mlbot" / "history"


class SafeHistory(FileHistory):
    """A FileHistory whose I/O errors become one warning instead of an exception."""

    def __init__(self, path: Path) -> None:
        super().__init__(str(path))
        self.path = path
        self.usable = True
        self.warnings: list[str] = []  # drained and shown by the REPL between prompts
        self._warned = False
        self._check()

    def _fail(self, action: str, error: OSError) -> None:
        self.usable = False
        if not self._warned:
            self._warned = True
            reason = error.strerror or type(error).__name__
            self.warnings.append(f"cannot {action} the history file {self.path} ({reason}); "
                                 "this session's history is kept in memory only")

    def _check(self) -> None:
        # Open for append now, so a broken setup is reported once at start, not mid-typing.
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "ab"):
                pass
        except OSError as error:
            self._fail("write", error)

    def load_history_strings(self) -> Iterable[str]:
        try:
            # materialise here so a read error surfaces inside this try
            return list(super().load_history_strings())
        except OSError as error:
            self._fail("read", error)
            return []

    def store_string(self, string: str) -> None:
        if not self.usable:
            return
        try:
            super().store_string(string)
        except OSError as error:
            self._fail("write", error)

    def take_warnings(self) -> list[str]:
        out, self.warnings = self.warnings, []
        return out
