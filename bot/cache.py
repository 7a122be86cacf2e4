"""A start-up cache: the parsed and validated knowledge base (and the built Bot), pickled
in `$XDG_CACHE_HOME/mlbot` (default `~/.cache/mlbot`).

Why: parsing and checking the YAML costs more than answering a question, and importing
pyyaml alone costs more than the rest of mlbot's start-up. A warm start reads one pickle
and never imports `bot.loader` or `yaml`; this module therefore imports the loader lazily,
only on a miss, and repeats the few things it needs from it (where the knowledge lives,
which files it is made of) with a test keeping the copies in step.

The key is a hash of
  - the cache format, the mlbot version and the Python version,
  - the size and modification time of the `bot/*.py` sources (an editable install changes
    its classes without changing its version; a pickle of old classes must not survive),
  - the knowledge directory as given (it becomes `Knowledge.source`),
  - the name and the full content of every knowledge file the loader reads.
So any edit of a knowledge file rebuilds the entry.

Trust (docs/input.md, "Trust model", says the same for users). Unpickling runs code named
by the file, so an entry is only unpickled when it is provably one this user wrote:
  - the cache directory is used only when it is a real directory (not a symlink), owned by
    the user and not writable by group or others, as ssh's StrictModes and git's
    safe.directory judge; it is created 0700. It is opened once and every later operation
    is relative to that descriptor, so the directory checked is the directory used even if
    a parent directory is writable by someone else;
  - every entry carries a MAC (keyed BLAKE2b) of its kind, key and bytes, made with a
    per-user secret that lives outside the cache, in `$XDG_STATE_HOME/mlbot/cache-key`
    (0600, in a directory held to the same rules). The MAC is checked before unpickling: a
    planted, copied or restored entry is a miss, whoever owns the file;
  - entries are opened with O_NOFOLLOW | O_NONBLOCK and must be regular files of the user's,
    at most `MAX_ENTRY_BYTES`: a symlink, FIFO, device or directory there is a miss, and
    never blocks;
  - entries are written under a fresh random name with O_CREAT | O_EXCL | O_NOFOLLOW (what
    `tempfile.mkstemp` does, but relative to the directory descriptor) and renamed into
    place: nothing planted in the directory is ever opened for writing or followed.
The cache is bounded: writing an entry deletes the entries of the same knowledge directory
with another key, keeps the `MAX_ENTRIES` most recently written others, and removes
temporary files left over by a killed run.

A cache problem never stops an answer: an unreadable, corrupt, foreign or stale entry is
a miss; an unusable directory means no cache at all. `MLBOT_NO_CACHE=1` turns the cache
off. Knowledge-base errors are never cached: they are raised by the loader on every run,
as without the cache.
"""

from __future__ import annotations

import os
import pickle
import sys
import time

from . import __version__
from .safeio import open_private_dir, open_regular, private, read_fd, read_regular

TYPE_CHECKING = False  # no `typing` at run time (~1.5 ms of a warm start): the checker's only
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from .engine import Bot
    from .model import Knowledge

try:  # constant-time comparison without importing hmac (which loads OpenSSL)
    from _operator import _compare_digest as _same_digest
except ImportError:  # pragma: no cover - every CPython has it
    from hmac import compare_digest as _same_digest  # type: ignore[no-redef]

# Bump when the layout of an entry changes.
CACHE_FORMAT = 2
_MAGIC = "mlbot-cache"
_HEADER = b"mlbot-cache-2\n"
_MAC_BYTES = 32
_SECRET_NAME = "cache-key"
_SECRET_BYTES = 32
_TEMP_PREFIX = ".tmp-"

# An entry of the built-in knowledge is ~170 KB and one of 50,000 aliases a few MB.
MAX_ENTRY_BYTES = 64 * 1024 * 1024
# Entries kept besides the one just written: two kinds (knowledge, bot) for 8 directories.
MAX_ENTRIES = 16
# A temporary file older than this is debris of a killed run, not a write in progress.
TEMP_MAX_AGE_S = 600

# Copies of bot.loader's constants (tests/test_cache.py checks they agree): importing the
# loader would import yaml, which is what a warm start avoids.
FACT_FILES = ("roles.yaml", "skills.yaml", "career.yaml", "notes.yaml")
LANGUAGE_FILES = ("vocabulary.yaml", "concepts.yaml", "intents.yaml", "templates.yaml", "answers.yaml")

_PACKAGE_DIR = os.path.dirname(os.path.realpath(__file__))
_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_O_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
# Without descriptor-relative calls, O_NOFOLLOW and uids (Windows) the checks above cannot
# be made, and an unchecked pickle cache is not worth its risk: no cache there. (os.replace
# is not listed in supports_dir_fd; it shares os.rename's support.)
_SUPPORTED = (hasattr(os, "getuid") and bool(_O_NOFOLLOW and _O_DIRECTORY)
              and {os.open, os.rename, os.link, os.unlink} <= os.supports_dir_fd)


def _xdg_dir(variable: str, default: str) -> str:
    """`$variable/mlbot`, else `~/default/mlbot` (a relative XDG path is ignored, as the
    XDG spec asks)."""
    base = os.environ.get(variable, "")
    if not os.path.isabs(base):
        base = os.path.join(os.path.expanduser("~"), default)
    return os.path.join(base, "mlbot")


def cache_dir() -> str:
    """`$XDG_CACHE_HOME/mlbot`, else `~/.cache/mlbot`."""
    return _xdg_dir("XDG_CACHE_HOME", ".cache")


def secret_dir() -> str:
    """Where the cache's secret lives: `$XDG_STATE_HOME/mlbot`, else `~/.local/state/mlbot`
    (beside the REPL history; not under the cache, which is what it protects)."""
    return _xdg_dir("XDG_STATE_HOME", os.path.join(".local", "state"))


def enabled() -> bool:
    return _SUPPORTED and os.environ.get("MLBOT_NO_CACHE", "") in ("", "0")


def builtin_dir() -> str:
    """Same answer as `bot.loader.builtin_dir()`, without importing it."""
    for candidate in (os.path.join(_PACKAGE_DIR, "knowledge"),
                      os.path.join(os.path.dirname(_PACKAGE_DIR), "knowledge")):
        if os.path.isdir(os.path.join(candidate, "facts")):
            return candidate
    return os.path.join(os.path.dirname(_PACKAGE_DIR), "knowledge")


def resolve_dir(explicit: str | None) -> str:
    """Same choice as `bot.loader.resolve_dir()`: --knowledge, $MLBOT_KNOWLEDGE, built-in."""
    return explicit or os.environ.get("MLBOT_KNOWLEDGE") or builtin_dir()


def knowledge_files(root: str) -> list[str]:
    """The files the loader reads for `root`, in a fixed order: the facts, the built-in
    language, then the files of a language overlay (`root/language`) that exist."""
    builtin = os.path.join(builtin_dir(), "language")
    files = ([os.path.join(root, "facts", name) for name in FACT_FILES]
             + [os.path.join(builtin, name) for name in LANGUAGE_FILES])
    overlay = os.path.join(root, "language")
    if os.path.isdir(overlay) and os.path.realpath(overlay) != os.path.realpath(builtin):
        try:
            present = sorted(os.listdir(overlay))
        except OSError:
            present = []
        # every YAML file there: one the loader refuses is part of what it reads too
        files += [os.path.join(overlay, name) for name in present if name.endswith((".yaml", ".yml"))]
    return files


def _hasher(key: bytes = b"", digest_size: int = 16) -> Any:
    # hashlib's import pulls in OpenSSL (several ms); the blake2 module alone is cheap
    try:
        from _blake2 import blake2b
    except ImportError:  # pragma: no cover - every CPython build has it
        from hashlib import blake2b
    return blake2b(key=key, digest_size=digest_size)


def _code_fingerprint() -> bytes:
    # the engine's code: the package's own modules and the understanding stages
    parts = []
    try:
        for folder in (_PACKAGE_DIR, os.path.join(_PACKAGE_DIR, "understanding")):
            with os.scandir(folder) as entries:
                for entry in entries:
                    if entry.name.endswith(".py"):
                        st = entry.stat()
                        parts.append(f"{os.path.basename(folder)}/{entry.name}:{st.st_size}:{st.st_mtime_ns}")
    except OSError:
        return b"?"
    return "\n".join(sorted(parts)).encode()


def cache_key(root: str) -> str | None:
    """The hex key of the knowledge base at `root`, or None when a file cannot be read or
    is not a regular file (the loader then reports it): a FIFO or /dev/zero in the
    knowledge base must neither block nor be hashed without end."""
    h = _hasher()
    h.update(f"{_MAGIC}\0{CACHE_FORMAT}\0{__version__}\0{sys.version}\0".encode())
    h.update(_code_fingerprint())
    h.update(b"\0" + os.fsencode(root) + b"\0")
    for path in knowledge_files(root):
        try:
            data = read_regular(path)
        except OSError:
            return None
        h.update(os.fsencode(path) + b"\0" + str(len(data)).encode() + b"\0" + data)
    return str(h.hexdigest())


# --- the directories and the secret -------------------------------------------------------

def _ours(st: os.stat_result) -> bool:
    """Owned by the user and writable by nobody else."""
    return private(st)


def _open_private_dir(path: str) -> int | None:
    """A descriptor of the directory `path` (created 0700 when missing), or None when it
    is not safe to use: not a directory (a symlink in its place included), not the user's,
    or writable by group or others (`bot.safeio.open_private_dir`). Nothing is changed in
    a directory that is refused."""
    try:
        return open_private_dir(path)
    except OSError:
        return None


def _create_temp(dir_fd: int, data: bytes) -> str:
    """Write `data` to a new file with a random name in `dir_fd`; return the name.

    O_EXCL | O_NOFOLLOW: a name that exists (file, symlink, FIFO) is never opened, so a
    planted link cannot make mlbot write anywhere but into a file it just created."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_NOFOLLOW | _O_CLOEXEC
    for _ in range(100):
        name = _temp_name()
        try:
            fd = os.open(name, flags, 0o600, dir_fd=dir_fd)
        except FileExistsError:
            continue
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
        except BaseException:
            _remove(dir_fd, name)
            raise
        return name
    raise FileExistsError("no free temporary name")


def _temp_name() -> str:
    return f"{_TEMP_PREFIX}{os.urandom(8).hex()}"


def _remove(dir_fd: int, name: str) -> None:
    try:
        os.unlink(name, dir_fd=dir_fd)
    except OSError:
        pass


def _read_secret(dir_fd: int) -> bytes | None:
    """The secret, or None when there is none or it is not private to the user."""
    try:
        fd = open_regular(_SECRET_NAME, _O_NOFOLLOW, dir_fd=dir_fd)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if st.st_uid != os.getuid() or st.st_mode & 0o077:
            return None  # others may have read it: entries made with it prove nothing
        data = read_fd(fd, _SECRET_BYTES)
    except OSError:
        return None
    finally:
        os.close(fd)
    return data if len(data) == _SECRET_BYTES else None


def _secret() -> bytes | None:
    """The user's cache secret, made on first use; None when it cannot be kept safely."""
    dir_fd = _open_private_dir(secret_dir())
    if dir_fd is None:
        return None
    try:
        secret = _read_secret(dir_fd)
        if secret is not None:
            return secret
        # Missing, or exposed (readable by others, wrong size): make a new one. It is
        # written under a temporary name and then linked into place, so a concurrent first
        # run never reads half a secret, and an existing good one is never replaced.
        # (Removing one that a concurrent first run just made costs that run a miss.)
        _remove(dir_fd, _SECRET_NAME)
        try:
            tmp = _create_temp(dir_fd, os.urandom(_SECRET_BYTES))
        except OSError:
            return None
        try:
            os.link(tmp, _SECRET_NAME, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
        except OSError:
            pass  # another run made one first: use theirs
        finally:
            _remove(dir_fd, tmp)
        return _read_secret(dir_fd)
    finally:
        os.close(dir_fd)


# --- entries -------------------------------------------------------------------------------

def _entry_prefix(kind: str, root: str) -> str:
    h = _hasher()
    h.update(os.fsencode(root))
    return f"{kind}-{h.hexdigest()[:12]}-"


def _entry_name(kind: str, root: str, key: str) -> str:
    return f"{_entry_prefix(kind, root)}{key}.pickle"


def _mac(secret: bytes, kind: str, key: str, payload: bytes) -> bytes:
    h = _hasher(secret, _MAC_BYTES)
    h.update(f"{_MAGIC}\0{CACHE_FORMAT}\0{kind}\0{key}\0".encode())
    h.update(payload)
    return bytes(h.digest())


def _seal(secret: bytes, kind: str, key: str, obj: object) -> bytes:
    payload = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    return _HEADER + _mac(secret, kind, key, payload) + payload


def _unseal(secret: bytes, kind: str, key: str, data: bytes) -> bytes | None:
    """The pickle bytes of an entry, or None unless its MAC proves this user wrote it
    under this kind and key."""
    start = len(_HEADER) + _MAC_BYTES
    if not data.startswith(_HEADER) or len(data) <= start:
        return None
    payload = data[start:]
    if not _same_digest(data[len(_HEADER):start], _mac(secret, kind, key, payload)):
        return None
    return payload


def _read(dir_fd: int, name: str, kind: str, key: str, secret: bytes) -> Any:
    """The object stored under `key` in the entry `name`, or None on any problem."""
    try:
        fd = open_regular(name, _O_NOFOLLOW, dir_fd=dir_fd)
    except OSError:
        return None  # missing, a symlink (ELOOP), a FIFO, a directory, unreadable
    try:
        if not _ours(os.fstat(fd)):
            return None
        data = read_fd(fd, MAX_ENTRY_BYTES)
    except OSError:
        return None
    finally:
        os.close(fd)
    payload = _unseal(secret, kind, key, data)
    if payload is None:
        return None  # checked before unpickling: only our own bytes are ever unpickled
    try:
        return pickle.loads(payload)
    except Exception:  # noqa: BLE001 - classes changed under the same key: a miss
        return None


def _write(dir_fd: int, kind: str, root: str, key: str, obj: object, secret: bytes) -> None:
    """Store `obj` atomically (new temporary file + rename), then prune; give up silently
    on any error (full disk, unpicklable object...)."""
    name = _entry_name(kind, root, key)
    try:
        data = _seal(secret, kind, key, obj)
        if len(data) > MAX_ENTRY_BYTES:
            return  # it would not be read back
        tmp = _create_temp(dir_fd, data)
        try:
            os.replace(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
        except BaseException:
            _remove(dir_fd, tmp)
            raise
        _prune(dir_fd, name, _entry_prefix(kind, root))
    except Exception:  # noqa: BLE001 - the cache never stops an answer
        pass


def _prune(dir_fd: int, written: str, same_dir_prefix: str) -> None:
    """Bound the cache: drop the entries of the same knowledge directory with another key,
    all but the `MAX_ENTRIES` newest other entries, and stale temporary files. Only names
    mlbot makes are touched; unlink removes a name, never follows it."""
    now = time.time()
    kept: list[tuple[float, str]] = []
    with os.scandir(dir_fd) as found:
        for entry in found:
            name = entry.name
            try:
                mtime = entry.stat(follow_symlinks=False).st_mtime
            except OSError:
                continue
            if name.startswith(_TEMP_PREFIX):
                if now - mtime > TEMP_MAX_AGE_S:
                    _remove(dir_fd, name)
            elif name.endswith(".pickle") and name.startswith(("knowledge-", "bot-")) and name != written:
                if name.startswith(same_dir_prefix):
                    _remove(dir_fd, name)
                else:
                    kept.append((mtime, name))
    kept.sort(reverse=True)
    for _, name in kept[MAX_ENTRIES:]:
        _remove(dir_fd, name)


def _cached(kind: str, knowledge_dir: str | None, wanted: type, build: Callable[[], Any]) -> Any:
    """An object of type `wanted` from the cache entry `kind` for the knowledge directory,
    or built (and stored) when there is none or the knowledge or the code changed."""
    root = resolve_dir(knowledge_dir)
    key = cache_key(root) if enabled() else None
    if key is None:
        return build()
    dir_fd = _open_private_dir(cache_dir())
    if dir_fd is None:
        return build()
    try:
        secret = _secret()
        if secret is None:
            return build()
        obj = _read(dir_fd, _entry_name(kind, root, key), kind, key, secret)
        if not isinstance(obj, wanted):
            obj = build()
            _write(dir_fd, kind, root, key, obj, secret)
        return obj
    finally:
        os.close(dir_fd)


def load_cached(knowledge_dir: str | None) -> Knowledge:
    """The knowledge base, from the cache when its files have not changed.

    Raises `bot.loader.KnowledgeError` exactly as `load_knowledge` does."""
    from .model import Knowledge

    def build() -> Knowledge:
        from .loader import load_knowledge
        from .loader import resolve_dir as loader_resolve_dir

        return load_knowledge(loader_resolve_dir(knowledge_dir))

    result: Knowledge = _cached("knowledge", knowledge_dir, Knowledge, build)
    return result


def load_bot(knowledge_dir: str | None) -> Bot:
    """A ready Bot, from the cache when the knowledge and the code have not changed.

    The engine's start-up (normaliser vocabulary, phrase index) is a few ms; the pickled
    Bot skips it. The entry is written right after building, before any question, so it
    holds no per-question memo (the typo-correction cache starts empty, as it would)."""
    from .engine import Bot

    result: Bot = _cached("bot", knowledge_dir, Bot, lambda: Bot(load_cached(knowledge_dir)))
    return result

