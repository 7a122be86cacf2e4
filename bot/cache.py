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
So any edit of a knowledge file rebuilds the entry. Entries of the same directory with
another key are deleted when a new one is written, so the cache does not grow.

A cache problem never stops an answer: an unreadable, corrupt, foreign or stale entry is
a miss; an unwritable directory means no entry is written. `MLBOT_NO_CACHE=1` turns the
cache off. Knowledge-base errors are never cached: they are raised by the loader on every
run, as without the cache.
"""

from __future__ import annotations

import os
import pickle
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import __version__

if TYPE_CHECKING:
    from .engine import Bot
    from .model import Knowledge

# Bump when the layout of an entry changes.
CACHE_FORMAT = 1
_MAGIC = "mlbot-cache"

# Copies of bot.loader's constants (tests/test_cache.py checks they agree): importing the
# loader would import yaml, which is what a warm start avoids.
FACT_FILES = ("roles.yaml", "skills.yaml", "career.yaml", "notes.yaml")
LANGUAGE_FILES = ("vocabulary.yaml", "concepts.yaml", "intents.yaml", "templates.yaml")

_PACKAGE_DIR = os.path.dirname(os.path.realpath(__file__))


def cache_dir() -> str:
    """`$XDG_CACHE_HOME/mlbot`, else `~/.cache/mlbot` (a relative XDG path is ignored, as
    the XDG spec asks)."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):
        base = os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "mlbot")


def enabled() -> bool:
    return os.environ.get("MLBOT_NO_CACHE", "") in ("", "0")


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
    """The files the loader reads for `root`, in a fixed order."""
    language = os.path.join(root, "language")
    if not os.path.isdir(language):
        language = os.path.join(builtin_dir(), "language")
    return ([os.path.join(root, "facts", name) for name in FACT_FILES]
            + [os.path.join(language, name) for name in LANGUAGE_FILES])


def _hasher() -> Any:
    # hashlib's import pulls in OpenSSL (several ms); the blake2 module alone is cheap
    try:
        from _blake2 import blake2b
    except ImportError:  # pragma: no cover - every CPython build has it
        from hashlib import blake2b
    return blake2b(digest_size=16)


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
    """The hex key of the knowledge base at `root`, or None when a file cannot be read
    (the loader then reports it)."""
    h = _hasher()
    h.update(f"{_MAGIC}\0{CACHE_FORMAT}\0{__version__}\0{sys.version}\0".encode())
    h.update(_code_fingerprint())
    h.update(b"\0" + os.fsencode(root) + b"\0")
    for path in knowledge_files(root):
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError:
            return None
        h.update(os.fsencode(path) + b"\0" + str(len(data)).encode() + b"\0" + data)
    return str(h.hexdigest())


def _entry_prefix(kind: str, root: str) -> str:
    h = _hasher()
    h.update(os.fsencode(root))
    return f"{kind}-{h.hexdigest()[:12]}-"


def _entry_path(kind: str, root: str, key: str) -> str:
    return os.path.join(cache_dir(), f"{_entry_prefix(kind, root)}{key}.pickle")


def _read(path: str, key: str) -> Any:
    """The object stored under `key` at `path`, or None on any problem."""
    try:
        with open(path, "rb") as f:
            st = os.fstat(f.fileno())
            # unpickling runs code named by the file: trust only our own, private files
            if (hasattr(os, "getuid") and st.st_uid != os.getuid()) or st.st_mode & 0o022:
                return None
            magic, stored_key, obj = pickle.load(f)
    except Exception:  # noqa: BLE001 - corrupt, truncated, stale classes: all a miss
        return None
    if magic != _MAGIC or stored_key != key:
        return None
    return obj


def _write(kind: str, root: str, key: str, obj: object) -> None:
    """Store `obj` atomically (temp file + rename); give up silently on any error."""
    directory = cache_dir()
    path = _entry_path(kind, root, key)
    tmp = None
    try:
        os.makedirs(directory, mode=0o700, exist_ok=True)
        data = pickle.dumps((_MAGIC, key, obj), protocol=pickle.HIGHEST_PROTOCOL)
        tmp = f"{path}.{os.getpid()}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
        tmp = None
        prefix = _entry_prefix(kind, root)
        name = os.path.basename(path)
        for other in os.listdir(directory):
            if other.startswith(prefix) and other.endswith(".pickle") and other != name:
                try:
                    os.remove(os.path.join(directory, other))
                except OSError:
                    pass
    except Exception:  # noqa: BLE001 - read-only home, full disk, unpicklable: no cache
        if tmp is not None:
            try:
                os.remove(tmp)
            except OSError:
                pass


def _cached(kind: str, knowledge_dir: str | None, wanted: type, build: Callable[[], Any]) -> Any:
    """An object of type `wanted` from the cache entry `kind` for the knowledge directory,
    or built (and stored) when there is none or the knowledge or the code changed."""
    root = resolve_dir(knowledge_dir)
    key = cache_key(root) if enabled() else None
    if key is not None:
        obj = _read(_entry_path(kind, root, key), key)
        if isinstance(obj, wanted):
            return obj
    obj = build()
    if key is not None:
        _write(kind, root, key, obj)
    return obj


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
