"""Someone who can write into the cache directory can neither run code as the user nor make
mlbot overwrite a file, whatever they plant there (issue 15, items 1-4).

All of it runs as one user: "the attacker" is played by the test writing into the cache
directory. Ownership checks are exercised by pretending to be another uid (`os.getuid`
patched), so the tests also hold when they run as root.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import cache, loader
from bot.loader import KnowledgeError

pytestmark = pytest.mark.skipif(not cache._SUPPORTED, reason="no safe cache on this platform")


class Payload:
    """A pickle that, when loaded, makes the directory `marker`: proof that code ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, ...]:
        return (os.mkdir, (str(self.marker),))


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.delenv("MLBOT_NO_CACHE", raising=False)
    monkeypatch.delenv("MLBOT_KNOWLEDGE", raising=False)
    return tmp_path


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Each time the knowledge base is really parsed (a cache miss), one item is added."""
    calls: list[object] = []
    real = loader.load_knowledge

    def counting(directory: object = None) -> object:
        calls.append(directory)
        return real(directory)  # type: ignore[arg-type]

    monkeypatch.setattr(loader, "load_knowledge", counting)
    return calls


def cache_entries(home: Path) -> list[Path]:
    return sorted((home / "cache" / "mlbot").glob("*.pickle"))


def knowledge_entry(home: Path) -> Path:
    cache.load_cached(None)
    (entry,) = [p for p in cache_entries(home) if p.name.startswith("knowledge-")]
    return entry


class Hung(BaseException):
    """Not an Exception: the cache's own `except Exception` must not swallow it."""


@contextlib.contextmanager
def must_finish(seconds: float = 5.0) -> Iterator[None]:
    """Fail instead of hanging forever (a FIFO opened for reading blocks without a writer)."""

    def timeout(signum: int, frame: object) -> None:
        raise Hung("hung: a FIFO was opened or read")

    old = signal.signal(signal.SIGALRM, timeout)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


# --- item 1: no code runs from a planted entry ---------------------------------------------

def test_symlinked_entry_to_users_own_pickle_is_not_loaded(home: Path) -> None:
    entry = knowledge_entry(home)
    marker = home / "PWNED"
    evil = home / "my-own-file.pickle"  # the user's own, private file
    key = entry.name.rsplit("-", 1)[1].removesuffix(".pickle")
    evil.write_bytes(pickle.dumps(("mlbot-cache", key, Payload(marker))))
    evil.chmod(0o600)
    entry.unlink()
    entry.symlink_to(evil)
    knowledge = cache.load_cached(None)
    assert not marker.exists()
    assert "mlops_engineer" in knowledge.facts.role_by_id


@pytest.mark.parametrize("forged", ["old format", "right header, wrong MAC", "MAC of another secret"])
def test_crafted_entry_is_never_unpickled(home: Path, forged: str) -> None:
    entry = knowledge_entry(home)
    marker = home / "PWNED"
    key = entry.name.rsplit("-", 1)[1].removesuffix(".pickle")
    payload = pickle.dumps(Payload(marker))
    if forged == "old format":
        data = pickle.dumps(("mlbot-cache", key, Payload(marker)))
    elif forged == "right header, wrong MAC":
        data = cache._HEADER + b"\0" * cache._MAC_BYTES + payload
    else:
        data = cache._seal(os.urandom(cache._SECRET_BYTES), "knowledge", key, Payload(marker))
    entry.write_bytes(data)
    entry.chmod(0o600)
    assert "mlops_engineer" in cache.load_cached(None).facts.role_by_id
    assert not marker.exists()


def test_entry_sealed_for_another_key_or_kind_is_a_miss(home: Path, builds: list[object]) -> None:
    entry = knowledge_entry(home)
    secret = cache._secret()
    assert secret is not None
    key = entry.name.rsplit("-", 1)[1].removesuffix(".pickle")
    knowledge = cache.load_cached(None)
    builds.clear()
    for kind, sealed_key in (("bot", key), ("knowledge", "0" * len(key))):
        entry.write_bytes(cache._seal(secret, kind, sealed_key, knowledge))
        cache.load_cached(None)
    assert len(builds) == 2


def test_cli_reproduction_payload_never_runs(home: Path) -> None:
    """The issue's reproduction, end to end: `mlbot ask hi`, swap the entry, ask again."""
    env = {k: v for k, v in os.environ.items() if k not in ("MLBOT_KNOWLEDGE", "MLBOT_NO_CACHE")}
    env.update(XDG_CACHE_HOME=str(home / "cache"), XDG_STATE_HOME=str(home / "state"))
    ask = [sys.executable, "-m", "bot", "ask", "hi"]
    first = subprocess.run(ask, env=env, capture_output=True, text=True, timeout=60, check=False)
    marker = home / "PWNED"
    evil = home / "evil.pickle"
    evil.write_bytes(pickle.dumps(Payload(marker)))
    evil.chmod(0o600)
    for entry in cache_entries(home):
        entry.unlink()
        entry.symlink_to(evil)
    again = subprocess.run(ask, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert not marker.exists()
    assert again.returncode == first.returncode == 0
    assert again.stdout == first.stdout


# --- item 2: nothing planted is ever written through ---------------------------------------

def test_planted_temp_name_symlinks_do_not_clobber(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    entry = knowledge_entry(home)
    victim = home / "private.txt"
    victim.write_text("precious\n")
    entry.unlink()
    # the old predictable names, for this process and the next pids ...
    for pid in range(os.getpid(), os.getpid() + 50):
        Path(f"{entry}.{pid}.tmp").symlink_to(victim)
    # ... and even a random name guessed right
    guessed = entry.parent / ".tmp-guessed"
    guessed.symlink_to(victim)
    names = iter([guessed.name])
    monkeypatch.setattr(cache, "_temp_name", lambda: next(names, None) or f".tmp-{os.urandom(8).hex()}")
    cache.load_cached(None)
    assert victim.read_text() == "precious\n"
    assert entry.is_file() and not entry.is_symlink()
    assert entry.stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("planted", ["symlink", "hard link"])
def test_link_at_entry_path_is_replaced_not_written(home: Path, planted: str) -> None:
    entry = knowledge_entry(home)
    victim = home / "private.txt"
    victim.write_text("precious\n")
    victim.chmod(0o600)
    entry.unlink()
    if planted == "symlink":
        entry.symlink_to(victim)
    else:
        os.link(victim, entry)
    cache.load_cached(None)
    assert victim.read_text() == "precious\n"
    assert not entry.is_symlink() and entry.stat().st_nlink == 1


def test_directory_at_entry_path_is_only_a_miss(home: Path) -> None:
    entry = knowledge_entry(home)
    entry.unlink()
    entry.mkdir()
    (entry / "inside").write_text("x")
    assert "mlops_engineer" in cache.load_cached(None).facts.role_by_id
    assert (entry / "inside").read_text() == "x"


# --- the directories: like ssh's StrictModes ----------------------------------------------

def test_cache_and_secret_are_private(home: Path) -> None:
    cache.load_cached(None)
    assert (home / "cache" / "mlbot").stat().st_mode & 0o777 == 0o700
    assert (home / "state" / "mlbot").stat().st_mode & 0o777 == 0o700
    secret = home / "state" / "mlbot" / "cache-key"
    assert secret.stat().st_mode & 0o777 == 0o600
    assert len(secret.read_bytes()) == cache._SECRET_BYTES
    for entry in cache_entries(home):
        assert entry.stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("mode", [0o777, 0o770, 0o1777])
def test_cache_dir_others_can_write_is_not_used(home: Path, builds: list[object], mode: int) -> None:
    directory = home / "cache" / "mlbot"
    directory.mkdir(parents=True)
    directory.chmod(mode)  # pre-created by someone else, as `makedirs(exist_ok=True)` accepted
    cache.load_cached(None)
    cache.load_cached(None)
    assert len(builds) == 2  # never read
    assert list(directory.iterdir()) == []  # never written


def test_cache_dir_of_another_user_is_not_used(home: Path, builds: list[object],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    cache.load_cached(None)
    builds.clear()
    monkeypatch.setattr(cache.os, "getuid", lambda: os.geteuid() + 4242)
    cache.load_cached(None)
    assert len(builds) == 1
    assert cache._open_private_dir(cache.cache_dir()) is None


def test_symlink_as_cache_dir_is_not_used(home: Path, builds: list[object]) -> None:
    elsewhere = home / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    (home / "cache").mkdir()
    (home / "cache" / "mlbot").symlink_to(elsewhere)
    cache.load_cached(None)
    assert list(elsewhere.iterdir()) == []


def test_secret_others_can_read_is_replaced(home: Path, builds: list[object]) -> None:
    cache.load_cached(None)
    secret = home / "state" / "mlbot" / "cache-key"
    old = secret.read_bytes()
    secret.chmod(0o644)
    builds.clear()
    cache.load_cached(None)
    assert len(builds) == 1  # entries made with an exposed secret prove nothing
    assert secret.read_bytes() != old and secret.stat().st_mode & 0o777 == 0o600
    cache.load_cached(None)
    assert len(builds) == 1  # and the new one works


def test_secret_dir_others_can_write_means_no_cache(home: Path, builds: list[object]) -> None:
    state = home / "state" / "mlbot"
    state.mkdir(parents=True)
    state.chmod(0o777)
    cache.load_cached(None)
    cache.load_cached(None)
    assert len(builds) == 2
    assert not (state / "cache-key").exists()


def test_entries_restored_from_elsewhere_are_misses(home: Path, builds: list[object],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    # e.g. a CI cache restored from another machine: same owner, same modes, other secret
    cache.load_cached(None)
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "other-state"))
    builds.clear()
    cache.load_cached(None)
    assert len(builds) == 1


# --- item 3: a FIFO never hangs -----------------------------------------------------------

def test_fifo_at_entry_path_does_not_hang(home: Path) -> None:
    entry = knowledge_entry(home)
    entry.unlink()
    os.mkfifo(entry)
    with must_finish():
        assert "mlops_engineer" in cache.load_cached(None).facts.role_by_id


def test_fifo_as_secret_does_not_hang(home: Path) -> None:
    state = home / "state" / "mlbot"
    state.mkdir(parents=True, mode=0o700)
    os.mkfifo(state / "cache-key", 0o600)
    with must_finish():
        cache.load_cached(None)


@pytest.mark.parametrize("special", ["fifo", "/dev/zero"])
def test_special_knowledge_file_is_not_hashed(home: Path, tmp_path: Path, special: str) -> None:
    kb = tmp_path / "kb"
    import shutil

    shutil.copytree(loader.builtin_dir(), kb)
    roles = kb / "facts" / "roles.yaml"
    roles.unlink()
    if special == "fifo":
        os.mkfifo(roles)
    else:
        roles.symlink_to("/dev/zero")
    assert cache.cache_key(str(kb)) is None
    with must_finish(), pytest.raises(KnowledgeError) as info:
        cache.load_bot(str(kb))
    assert f"{roles}:1: not a regular file" in str(info.value)


# --- item 4: the cache is bounded ---------------------------------------------------------

def test_cache_keeps_a_bounded_number_of_entries(home: Path) -> None:
    directory = home / "cache" / "mlbot"
    directory.mkdir(parents=True, mode=0o700)
    fd = cache._open_private_dir(str(directory))
    assert fd is not None
    try:
        secret = cache._secret()
        assert secret is not None
        for i in range(cache.MAX_ENTRIES * 2):
            cache._write(fd, "knowledge", f"/kb/{i}", "k" * 32, {"n": i}, secret)
    finally:
        os.close(fd)
    assert len(cache_entries(home)) == cache.MAX_ENTRIES + 1


def test_stale_temporary_files_are_removed(home: Path) -> None:
    cache.load_cached(None)
    directory = home / "cache" / "mlbot"
    stale, fresh = directory / ".tmp-stale", directory / ".tmp-fresh"
    stale.write_bytes(b"left by a killed run")
    fresh.write_bytes(b"being written by another mlbot")
    os.utime(stale, (1, 1))
    for entry in cache_entries(home):
        entry.unlink()
    cache.load_cached(None)
    assert not stale.exists() and fresh.exists()
