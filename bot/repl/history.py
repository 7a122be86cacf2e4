"""Persistent question history that can never stop the REPL.

The file lives in $XDG_STATE_HOME/mlbot/history (default ~/.local/state/mlbot/history).
When it cannot be read or written (read-only home, a directory in its place, disk full) the
REPL warns once and keeps the history in memory for the rest of the session.

The questions typed are private: the file is created 0600 (its directory
0700), and an existing file of the user's that others can read is made private. It is only
used when it is a regular file: a FIFO, a device or a directory in its place is refused
without blocking (`bot.safeio`), and a file over `bot.safeio.MAX_FILE_BYTES` is not read.
"""

from __future__ import annotations

import errno
import io
import os
import stat
from collections.abc import Iterable, Mapping
from pathlib import Path

from prompt_toolkit.history import FileHistory

from ..safeio import UnsafeFileError, read_regular

_APPEND = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


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
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.close(self._open_for_append())
        except OSError as error:
            self._fail("write", error)

    def _open_for_append(self) -> int:
        """A descriptor to append to the history file: created 0600; O_NONBLOCK so that a
        FIFO fails at once (ENXIO) instead of waiting for a reader; refused unless it is a
        regular file."""
        try:
            fd = os.open(self.path, _APPEND, 0o600)
        except OSError as error:
            if error.errno == errno.ENXIO:  # a FIFO nobody reads
                raise UnsafeFileError(errno.EINVAL, "not a regular file") from None
            raise
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                raise UnsafeFileError(errno.EINVAL, "not a regular file")
            if st.st_mode & 0o077 and st.st_uid == os.getuid():
                os.fchmod(fd, 0o600)  # an older mlbot created it 0644
        except BaseException:
            os.close(fd)
            raise
        return fd

    def load_history_strings(self) -> Iterable[str]:
        if not self.usable:
            return []  # never read a file that failed the check (a FIFO would block)
        try:
            data = read_regular(self.path)
        except FileNotFoundError:
            return []
        except OSError as error:
            self._fail("read", error)
            return []
        return _parse(data)

    def store_string(self, string: str) -> None:
        if not self.usable:
            return
        try:
            fd = self._open_for_append()
            with os.fdopen(fd, "ab") as f:
                f.write(_entry(string))
        except OSError as error:
            self._fail("write", error)

    def take_warnings(self) -> list[str]:
        out, self.warnings = self.warnings, []
        return out


# The file format of prompt_toolkit's FileHistory (so that older history files still load):
# an entry is a "# date" line, then each of its lines prefixed with "+".

def _entry(string: str) -> bytes:
    import datetime

    lines = "".join(f"+{line}\n" for line in string.split("\n"))
    return f"\n# {datetime.datetime.now()}\n{lines}".encode("utf-8", errors="replace")


def _parse(data: bytes) -> list[str]:
    """The entries of a history file, newest first."""
    strings: list[str] = []
    lines: list[str] = []
    for raw_line in io.BytesIO(data):  # split at b"\n" only, as reading the file does
        raw = raw_line.decode("utf-8", errors="replace")
        if raw.startswith("+"):
            lines.append(raw[1:])
        elif lines:
            strings.append("".join(lines)[:-1])
            lines = []
    if lines:
        strings.append("".join(lines)[:-1])
    return strings[::-1]
