"""Persistent question history that can never stop the REPL.

The file lives in $XDG_STATE_HOME/mlbot/history (default ~/.local/state/mlbot/history).
When it cannot be read or written (read-only home, a directory in its place, disk full) the
REPL warns once and keeps the history in memory for the rest of the session.

The questions typed are private, and the file is never a way to write elsewhere:
  - its directory is used only when it passes the cache's rules (`bot.safeio.open_private_dir`:
    a real directory, not a symlink, owned by the user, not writable by group or others;
    created 0700). It is opened once, and the file is opened relative to that descriptor;
  - the file is opened with O_NOFOLLOW | O_NONBLOCK: a symlink in its place is refused (never
    followed, never chmod-ed), and so is a FIFO, without blocking; it must be a regular file
    owned by the user;
  - it is created 0600, and an existing file of the user's that others can read is made 0600;
  - a file over `bot.safeio.MAX_FILE_BYTES` is not read.
Whatever fails, the REPL says so once and keeps this session's history in memory.
"""

from __future__ import annotations

import errno
import io
import os
import stat
from collections.abc import Iterable, Mapping
from pathlib import Path

from prompt_toolkit.history import FileHistory

from ..safeio import UnsafeFileError, open_private_dir, open_regular, read_fd

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_APPEND = (os.O_WRONLY | os.O_APPEND | os.O_CREAT | _NOFOLLOW | getattr(os, "O_NONBLOCK", 0)
           | getattr(os, "O_CLOEXEC", 0))
# Without O_NOFOLLOW, descriptor-relative opens or user ids (Windows) the file cannot be
# checked: the history then stays in memory.
_SUPPORTED = bool(_NOFOLLOW) and hasattr(os, "getuid") and os.open in os.supports_dir_fd


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
        self._dir_fd: int | None = None
        self._check()

    def close(self) -> None:
        if self._dir_fd is not None:
            os.close(self._dir_fd)
            self._dir_fd = None

    def __del__(self) -> None:
        try:
            self.close()
        except OSError:
            pass

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
            if not _SUPPORTED:
                raise UnsafeFileError(errno.ENOTSUP, "its ownership cannot be checked here")
            self._dir_fd = open_private_dir(str(self.path.parent))
            os.close(self._open_for_append())
        except OSError as error:
            self._fail("write", error)

    def _open_for_append(self) -> int:
        """A descriptor to append to the history file, relative to the checked directory:
        created 0600; O_NOFOLLOW so that a symlink is refused (ELOOP), never followed;
        O_NONBLOCK so that a FIFO fails at once (ENXIO) instead of waiting for a reader;
        refused unless it is a regular file of the user's."""
        if self._dir_fd is None:
            raise UnsafeFileError(errno.EBADF, "no checked directory")
        try:
            fd = os.open(self.path.name, _APPEND, 0o600, dir_fd=self._dir_fd)
        except OSError as error:
            if error.errno == errno.ENXIO:  # a FIFO nobody reads
                raise UnsafeFileError(errno.EINVAL, "not a regular file") from None
            if error.errno == errno.ELOOP:
                raise UnsafeFileError(errno.ELOOP, "a symbolic link, not followed") from None
            raise
        try:
            self._check_file(fd)
            if os.fstat(fd).st_mode & 0o077:
                os.fchmod(fd, 0o600)  # an older mlbot created it 0644
        except BaseException:
            os.close(fd)
            raise
        return fd

    @staticmethod
    def _check_file(fd: int) -> None:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise UnsafeFileError(errno.EINVAL, "not a regular file")
        if st.st_uid != os.getuid():
            raise UnsafeFileError(errno.EPERM, "it belongs to another user")

    def load_history_strings(self) -> Iterable[str]:
        if not self.usable:
            return []  # never read a file that failed the check (a FIFO would block)
        try:
            if self._dir_fd is None:
                raise UnsafeFileError(errno.EBADF, "no checked directory")
            fd = open_regular(self.path.name, _NOFOLLOW, dir_fd=self._dir_fd)
            try:
                self._check_file(fd)
                data = read_fd(fd)
            finally:
                os.close(fd)
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
