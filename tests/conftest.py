import pytest

from bot.engine import Bot
from bot.loader import builtin_dir, load_knowledge


@pytest.fixture(scope="session")
def knowledge():
    return load_knowledge(builtin_dir())


@pytest.fixture(scope="session")
def bot(knowledge):
    return Bot(knowledge)
