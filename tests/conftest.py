import pytest

from bot.engine import Bot
from bot.loader import builtin_dir, load_knowledge


@pytest.fixture(scope="session")
def knowledge():
    return load_knowledge(builtin_dir())


@pytest.fixture(scope="session")
def bot(knowledge):
    return Bot(knowledge)


@pytest.fixture(autouse=True, scope="session")
def _private_cache_and_state(tmp_path_factory):
    """Tests (and the mlbot processes they start) keep their knowledge cache and REPL history
    in a temporary directory, never in the user's ~/.cache or ~/.local/state."""
    import os

    base = tmp_path_factory.mktemp("xdg")
    saved = {k: os.environ.get(k) for k in ("XDG_CACHE_HOME", "XDG_STATE_HOME")}
    os.environ["XDG_CACHE_HOME"] = str(base / "cache")
    os.environ["XDG_STATE_HOME"] = str(base / "state")
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
