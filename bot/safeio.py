"""Read a file mlbot did not write without letting it hang or exhaust memory.

Every input file (knowledge files, the files the cache key hashes, test files, `test
--record` questions, the REPL history) goes through `read_regular`:

- it is opened with O_NONBLOCK, so a FIFO cannot block the open (nor the read);
- `fstat` on the open descriptor must say "regular file", so /dev/zero, a FIFO, a socket or
  a directory is refused before a single byte is read (and a file swapped between a check
  and the open cannot slip through: the check is on what was opened);
- at most `MAX_FILE_BYTES` are read; a larger file is refused, not truncated.

Symbolic links are followed: a knowledge file linked from elsewhere is ordinary use. This
module imports nothing heavy: the cache uses it on every warm start.
"""

from __future__ import annotations

import errno
import os
import stat

# 16 MiB: the built-in knowledge base is ~30 KB in all and a synthetic one with 50,000
# aliases ~2 MB; a test file or a questions file is smaller still.
MAX_FILE_BYTES = 16 * 1024 * 1024

_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
_DIR_FLAGS = (os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0)
              | getattr(os, "O_CLOEXEC", 0))


class UnsafeFileError(OSError):
    """A file that exists but is not read: not a regular file, or too large."""


def private(st: os.stat_result) -> bool:
    """Owned by the user and writable by nobody else (ssh's StrictModes, git's
    safe.directory)."""
    return st.st_uid == os.getuid() and not st.st_mode & 0o022


def open_private_dir(path: str) -> int:
    """A descriptor of the directory `path` (created 0700 when missing, its missing parents
    too), which must be a real directory (a symlink in its place is refused), owned by the
    user and not writable by group or others; else `UnsafeFileError` (or the OSError of
    the open) saying why. Nothing is changed in a directory that is refused. Use the
    descriptor (dir_fd=) for everything inside it: the directory checked is then the one
    used, even if a parent directory is writable by someone else."""
    try:
        fd = os.open(path, _DIR_FLAGS)
    except FileNotFoundError:
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        try:
            os.mkdir(path, 0o700)
        except FileExistsError:  # another mlbot made it meanwhile: checked below
            pass
        fd = os.open(path, _DIR_FLAGS)
    try:
        st = os.fstat(fd)
        if not stat.S_ISDIR(st.st_mode):
            raise UnsafeFileError(errno.ENOTDIR, "not a directory")
        if st.st_uid != os.getuid():
            raise UnsafeFileError(errno.EPERM, "its directory belongs to another user")
        if st.st_mode & 0o022:
            raise UnsafeFileError(errno.EPERM, "its directory is writable by group or others")
    except BaseException:
        os.close(fd)
        raise
    return fd


def open_regular(path: str | os.PathLike[str], flags: int = 0, dir_fd: int | None = None) -> int:
    """A read-only descriptor of `path`, which must be a regular file (else
    `UnsafeFileError`; the usual OSError when it cannot be opened). `flags` are added to
    the open, e.g. O_NOFOLLOW."""
    fd = os.open(path, _OPEN_FLAGS | flags, dir_fd=dir_fd)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise UnsafeFileError(errno.EINVAL, "not a regular file")
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_fd(fd: int, limit: int = MAX_FILE_BYTES) -> bytes:
    """All of the open file `fd`, at most `limit` bytes (a longer one: `UnsafeFileError`).
    Reads in chunks rather than trusting st_size: a file can grow while it is read."""
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = os.read(fd, min(1 << 20, limit + 1 - total))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            raise UnsafeFileError(errno.EFBIG, f"larger than the {limit // (1024 * 1024)} MiB limit")


def read_regular(path: str | os.PathLike[str], limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of the regular file `path` (see the module's docstring)."""
    fd = open_regular(path)
    try:
        return read_fd(fd, limit)
    finally:
        os.close(fd)
