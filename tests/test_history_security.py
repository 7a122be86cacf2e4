"""The REPL history file is never a way to write, chmod or read a file elsewhere (hostile
review N1): its directory is held to the cache's rules and the file is opened with
O_NOFOLLOW. Runs as one user: "the attacker" is the test planting things, and ownership is
exercised by pretending to be another uid (`os.getuid` patched), as in test_cache_security.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.repl import history as history_module
from bot.repl.history import SafeHistory

pytestmark = pytest.mark.skipif(not getattr(history_module, "_SUPPORTED", True), reason="no checked history here")


@pytest.fixture
def target(tmp_path: Path) -> Path:
    """A private file the attacker wants written to (root's file, the user's ~/.bashrc)."""
    path = tmp_path / "bashrc"
    path.write_text("secret-line\n")
    path.chmod(0o640)
    return path


def assert_untouched(target: Path) -> None:
    assert target.read_text() == "secret-line\n"
    assert target.stat().st_mode & 0o777 == 0o640


def assert_in_memory_only(history: SafeHistory) -> str:
    assert not history.usable
    (warning,) = history.take_warnings()
    assert "this session's history is kept in memory only" in warning and "\n" not in warning
    history.store_string("another question")
    assert not history.take_warnings()  # one notice a session
    return warning


def test_symlink_as_history_file_is_not_followed(tmp_path: Path, target: Path) -> None:
    directory = tmp_path / "state" / "mlbot"
    directory.mkdir(parents=True, mode=0o700)
    (directory / "history").symlink_to(target)
    history = SafeHistory(directory / "history")
    assert list(history.load_history_strings()) == []
    history.store_string("what does an nlp engineer do")
    assert_untouched(target)
    assert "symbolic link" in assert_in_memory_only(history)


@pytest.mark.parametrize("mode", [0o777, 0o1777, 0o775, 0o757])
def test_history_dir_others_can_write_is_not_used(tmp_path: Path, target: Path, mode: int) -> None:
    directory = tmp_path / "state" / "mlbot"
    directory.mkdir(parents=True)
    directory.chmod(mode)
    (directory / "history").symlink_to(target)
    (directory / "other").write_text("+planted question\n")
    history = SafeHistory(directory / "history")
    history.store_string("what does an nlp engineer do")
    assert_untouched(target)
    assert sorted(p.name for p in directory.iterdir()) == ["history", "other"]
    assert directory.stat().st_mode & 0o7777 == mode  # nothing changed in a refused directory
    assert "writable by group or others" in assert_in_memory_only(history)


def test_history_dir_of_another_user_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    directory = tmp_path / "state" / "mlbot"
    directory.mkdir(parents=True, mode=0o700)
    (directory / "history").write_text("\n# 2026-01-01\n+their question\n")
    monkeypatch.setattr(os, "getuid", lambda: os.geteuid() + 4242)
    history = SafeHistory(directory / "history")
    assert list(history.load_history_strings()) == []  # never read what another user wrote
    history.store_string("my question")
    monkeypatch.undo()
    assert "my question" not in (directory / "history").read_text()
    assert "belongs to another user" in assert_in_memory_only(history)


def test_history_dir_that_is_a_symlink_is_not_used(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    (tmp_path / "state").mkdir()
    (tmp_path / "state" / "mlbot").symlink_to(elsewhere)
    history = SafeHistory(tmp_path / "state" / "mlbot" / "history")
    history.store_string("what does an nlp engineer do")
    assert list(elsewhere.iterdir()) == []
    assert_in_memory_only(history)


def test_history_file_of_another_user_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    directory = tmp_path / "state" / "mlbot"
    directory.mkdir(parents=True, mode=0o700)
    path = directory / "history"
    path.write_text("\n# 2026-01-01\n+their question\n")
    path.chmod(0o644)
    real_fstat = os.fstat
    me = os.getuid()

    def fstat(fd: int) -> os.stat_result:  # the file (not the directory) is someone else's
        st = real_fstat(fd)
        if st.st_mode & 0o170000 == 0o100000:
            fields = list(st)
            fields[4] = me + 4242  # st_uid
            return os.stat_result(fields)
        return st

    monkeypatch.setattr(history_module.os, "fstat", fstat)
    history = SafeHistory(path)
    assert list(history.load_history_strings()) == []
    history.store_string("my question")
    monkeypatch.undo()
    assert path.read_text() == "\n# 2026-01-01\n+their question\n"
    assert path.stat().st_mode & 0o777 == 0o644  # never chmod-ed: not ours
    (warning,) = history.take_warnings()
    assert "another user" in warning


def test_refused_history_is_one_notice_in_the_repl(tmp_path: Path, target: Path, bot: object) -> None:
    from tests.test_repl_app import drive

    directory = tmp_path / "state" / "mlbot"
    directory.mkdir(parents=True)
    directory.chmod(0o777)
    (directory / "history").symlink_to(target)
    s = drive(bot, "what does an mlops engineer do", "what skills do they need?",  # type: ignore[arg-type]
              history=SafeHistory(directory / "history"))
    assert s.text.count("warning: cannot write the history file") == 1
    assert "writable by group or others" in s.text
    assert s.state.turns == 2 and s.status == 0
    assert_untouched(target)
