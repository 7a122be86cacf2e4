"""The start-up cache: same answers, rebuilt on change, never in the way of an answer."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot import cache, loader
from bot.engine import Bot
from bot.loader import KnowledgeError, load_knowledge

QUESTIONS = [
    ["what does an MLOps engineer do", "and what skills do they need?", "which level is that?"],
    ["which roles use Docker?"],
    ["what skils does a resarch scientist need"],  # typos: the corrector's path
    ["what does a data engineer do?", "what about an MLOps engineer then?"],
    ["compare an nlp engineer with a data scientist"],
    ["what's the weather like?"],
]


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "xdg"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    monkeypatch.delenv("MLBOT_NO_CACHE", raising=False)
    monkeypatch.delenv("MLBOT_KNOWLEDGE", raising=False)
    return home


@pytest.fixture
def kdir(tmp_path: Path) -> Path:
    """A private copy of the built-in knowledge base, free to edit."""
    target = tmp_path / "kb"
    shutil.copytree(loader.builtin_dir(), target)
    return target


def entries(home: Path, kind: str | None = None) -> list[Path]:
    directory = home / "mlbot"
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir()
                  if p.suffix == ".pickle" and (kind is None or p.name.startswith(kind + "-")))


def transcript(bot: Bot) -> list[tuple[object, str]]:
    out: list[tuple[object, str]] = []
    for conversation in QUESTIONS:
        context = None
        for question in conversation:
            answer = bot.answer(question, context)
            context = answer.context
            out.append((answer.to_json(), answer.text))
    return out


def test_copies_of_loader_constants_agree() -> None:
    assert cache.FACT_FILES == loader.FACT_FILES
    assert cache.LANGUAGE_FILES == loader.LANGUAGE_FILES
    assert Path(cache.builtin_dir()) == loader.builtin_dir()


def test_resolve_dir_agrees_with_loader(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("MLBOT_KNOWLEDGE", raising=False)
    assert Path(cache.resolve_dir(None)) == loader.resolve_dir(None)
    assert Path(cache.resolve_dir(str(tmp_path))) == loader.resolve_dir(str(tmp_path))
    monkeypatch.setenv("MLBOT_KNOWLEDGE", str(tmp_path))
    assert Path(cache.resolve_dir(None)) == loader.resolve_dir(None) == tmp_path


def test_cache_dir_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache.cache_dir() == str(tmp_path / "mlbot")
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/dir")  # not absolute: ignored, per XDG
    assert cache.cache_dir() == os.path.join(os.path.expanduser("~"), ".cache", "mlbot")


def test_warm_load_equals_fresh_load(cache_home: Path) -> None:
    first = cache.load_cached(None)
    assert len(entries(cache_home, "knowledge")) == 1
    second = cache.load_cached(None)
    fresh = load_knowledge(loader.resolve_dir(None))
    assert second == fresh
    assert second.source == fresh.source
    assert second is not first  # really read back from the file


def test_answers_identical_with_and_without_cache(cache_home: Path) -> None:
    fresh = Bot(load_knowledge(loader.resolve_dir(None)))
    cache.load_bot(None)  # miss: writes the entry
    assert entries(cache_home, "bot")
    cached = cache.load_bot(None)  # hit
    assert cached is not fresh
    assert transcript(cached) == transcript(fresh)
    # and through the knowledge-only entry as well
    assert transcript(Bot(cache.load_cached(None))) == transcript(fresh)


def test_bot_entry_holds_no_answers_memo(cache_home: Path) -> None:
    bot = cache.load_bot(None)
    bot.answer("what skils does a resarch scientist need")  # fills the typo memo in memory
    again = cache.load_bot(None)
    assert again.normaliser._corrections == {}


def test_changed_knowledge_file_invalidates(cache_home: Path, kdir: Path) -> None:
    before = cache.load_bot(str(kdir))
    assert before.answer("what does an MLOps engineer do").text.count("Manage ML pipelines")
    roles = kdir / "facts" / "roles.yaml"
    roles.write_text(roles.read_text(encoding="utf-8").replace(
        "Manage ML pipelines and production systems", "Keep models running in production"),
        encoding="utf-8")
    after = cache.load_bot(str(kdir))
    text = after.answer("what does an MLOps engineer do").text
    assert "Keep models running in production" in text
    assert "Manage ML pipelines" not in text
    assert cache.load_cached(str(kdir)).facts.role_by_id["mlops_engineer"].focus == (
        "Keep models running in production")
    # the stale entry of that directory was replaced, not kept beside the new one
    assert len(entries(cache_home, "bot")) == 1
    assert len(entries(cache_home, "knowledge")) == 1


def test_same_content_same_size_edit_is_seen(cache_home: Path, kdir: Path) -> None:
    # a change that keeps the size (and could keep the mtime, on coarse clocks) is still a
    # new key: the key is the content, not the file's stat
    roles = kdir / "facts" / "roles.yaml"
    cache.load_cached(str(kdir))
    text = roles.read_text(encoding="utf-8")
    stat = roles.stat()
    roles.write_text(text.replace("Design, train, and deploy", "Design, train, and DEPLOY"),
                     encoding="utf-8")
    os.utime(roles, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert cache.load_cached(str(kdir)).facts.role_by_id["ml_engineer"].focus == (
        "Design, train, and DEPLOY ML models")


def test_language_edit_invalidates(cache_home: Path, kdir: Path) -> None:
    cache.load_bot(str(kdir))
    templates = kdir / "language" / "templates.yaml"
    text = templates.read_text(encoding="utf-8")
    templates.write_text(text + "\n# a comment is a change too\n", encoding="utf-8")
    key_before = entries(cache_home, "bot")[0].name
    cache.load_bot(str(kdir))
    assert entries(cache_home, "bot")[0].name != key_before


def test_corrupt_entry_is_ignored_and_rewritten(cache_home: Path) -> None:
    expected = transcript(Bot(load_knowledge(loader.resolve_dir(None))))
    cache.load_bot(None)
    cache.load_cached(None)
    for entry in entries(cache_home):
        entry.write_bytes(b"\x80\x05not a pickle at all")
    bot = cache.load_bot(None)
    assert transcript(bot) == expected
    # both entries are whole again
    for entry in entries(cache_home):
        assert len(entry.read_bytes()) > 1000
    assert transcript(cache.load_bot(None)) == expected


def test_truncated_and_foreign_entries_are_misses(cache_home: Path) -> None:
    import pickle

    cache.load_cached(None)
    (entry,) = entries(cache_home, "knowledge")
    data = entry.read_bytes()
    entry.write_bytes(data[: len(data) // 2])
    assert cache.load_cached(None) == load_knowledge(loader.resolve_dir(None))
    # a well-formed pickle of something else under the right name
    entry.write_bytes(pickle.dumps(("mlbot-cache", "another key", "not knowledge")))
    assert cache.load_cached(None) == load_knowledge(loader.resolve_dir(None))


def test_group_writable_entry_is_not_trusted(cache_home: Path) -> None:
    cache.load_cached(None)
    (entry,) = entries(cache_home, "knowledge")
    # a genuine entry, but one that someone else could have rewritten: not read
    entry.chmod(0o666)
    key = entry.name.rsplit("-", 1)[1].removesuffix(".pickle")
    fd = os.open(entry.parent, os.O_RDONLY)
    try:
        secret = cache._secret()
        assert secret is not None
        assert cache._read(fd, entry.name, "knowledge", key, secret) is None
        entry.chmod(0o600)
        assert cache._read(fd, entry.name, "knowledge", key, secret) is not None
    finally:
        os.close(fd)
    entry.chmod(0o666)
    assert cache.load_cached(None) == load_knowledge(loader.resolve_dir(None))


def test_unwritable_cache_dir_still_answers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the cache directory would go")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    bot = cache.load_bot(None)
    assert "pipelines" in bot.answer("what does an MLOps engineer do").text
    assert cache.load_cached(None) == load_knowledge(loader.resolve_dir(None))


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes anywhere")
def test_read_only_cache_dir_still_answers(cache_home: Path) -> None:
    (cache_home / "mlbot").mkdir(parents=True)
    (cache_home / "mlbot").chmod(0o500)
    try:
        bot = cache.load_bot(None)
        assert "pipelines" in bot.answer("what does an MLOps engineer do").text
        assert not entries(cache_home)
    finally:
        (cache_home / "mlbot").chmod(0o700)


def test_write_failure_leaves_no_temp_file(cache_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(src: str, dst: str, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(cache.os, "replace", refuse)
    bot = cache.load_bot(None)
    assert "pipelines" in bot.answer("what does an MLOps engineer do").text
    assert list((cache_home / "mlbot").iterdir()) == []


def test_no_cache_env_writes_nothing(cache_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLBOT_NO_CACHE", "1")
    cache.load_bot(None)
    assert not entries(cache_home)


def test_knowledge_errors_are_raised_and_not_cached(cache_home: Path, kdir: Path) -> None:
    roles = kdir / "facts" / "roles.yaml"
    roles.write_text("roles: [", encoding="utf-8")
    for _ in range(2):
        with pytest.raises(KnowledgeError) as info:
            cache.load_bot(str(kdir))
        assert "roles.yaml" in str(info.value)
    assert not entries(cache_home)
    # a missing file too
    roles.unlink()
    with pytest.raises(KnowledgeError):
        cache.load_cached(str(kdir))


def test_dir_without_language_borrows_builtin(cache_home: Path, kdir: Path) -> None:
    shutil.rmtree(kdir / "language")
    bot = cache.load_bot(str(kdir))
    assert transcript(cache.load_bot(str(kdir))) == transcript(bot)
    assert len(cache.knowledge_files(str(kdir))) == len(cache.FACT_FILES) + len(cache.LANGUAGE_FILES)
    assert all(os.path.isfile(p) for p in cache.knowledge_files(str(kdir)))


def test_two_directories_have_separate_entries(cache_home: Path, kdir: Path) -> None:
    cache.load_cached(None)
    cache.load_cached(str(kdir))
    # same content, different source: both kept, each answering with its own source
    assert len(entries(cache_home, "knowledge")) == 2
    assert cache.load_cached(str(kdir)).source == str(kdir)


def run_ask(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True,
                          env=env, timeout=60, check=False)


def test_cli_same_output_with_and_without_cache(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("MLBOT_KNOWLEDGE", "MLBOT_NO_CACHE")}
    env["XDG_CACHE_HOME"] = str(tmp_path)
    question = ["ask", "--json", "what skills does an nlp engineer need"]
    cold = run_ask(env, *question)
    warm = run_ask(env, *question)
    off = run_ask(dict(env, MLBOT_NO_CACHE="1"), *question)
    assert cold.returncode == warm.returncode == off.returncode == 0
    assert cold.stdout == warm.stdout == off.stdout
    assert "SpaCy" in warm.stdout


def test_warm_ask_imports_no_yaml_when_the_engine_allows(tmp_path: Path) -> None:
    """A warm `ask` reads the pickle, not the YAML. The cache itself imports neither yaml
    nor bot.loader on a hit; if bot.engine still imports bot.loader (and so yaml) at
    module level, that is the engine's import, checked separately below."""
    env = {k: v for k, v in os.environ.items() if k not in ("MLBOT_KNOWLEDGE", "MLBOT_NO_CACHE")}
    env["XDG_CACHE_HOME"] = str(tmp_path)
    probe = (
        "import sys\n"
        "from bot import cache\n"
        "cache.load_cached(None)\n"
        "print('loader' if 'bot.loader' in sys.modules else 'no-loader',"
        " 'yaml' if 'yaml' in sys.modules else 'no-yaml')\n"
    )
    first = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env,
                           timeout=60, check=True)
    assert first.stdout.split() == ["loader", "yaml"]  # a miss parses the YAML
    second = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env,
                            timeout=60, check=True)
    assert second.stdout.split() == ["no-loader", "no-yaml"]


def test_ask_and_piped_chat_never_import_prompt_toolkit(tmp_path: Path) -> None:
    """prompt_toolkit (~100 ms) is for the REPL only: `ask` and piped `chat` must not pay it."""
    env = {k: v for k, v in os.environ.items() if k not in ("MLBOT_KNOWLEDGE", "MLBOT_NO_CACHE")}
    env["XDG_CACHE_HOME"] = str(tmp_path)
    for args in (["ask", "what does an mlops engineer do"], ["chat", "--json"]):
        probe = (
            "import sys\n"
            "from bot.cli import main\n"
            f"main({args!r})\n"
            "print('IMPORTED', 'prompt_toolkit' in sys.modules)\n"
        )
        for _ in range(2):  # cold, then warm
            done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                                  env=env, input="hi\nwhich roles use docker\n", timeout=60, check=True)
            assert done.stdout.splitlines()[-1] == "IMPORTED False", done.stdout[-300:]
