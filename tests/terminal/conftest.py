from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .harness import Terminal, mlbot_command, terminal_env


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Any]:
    """start(*args, rows=, columns=, **env) -> a Terminal running `mlbot *args`."""
    started: list[Terminal] = []

    def _start(*args: str, rows: int = 40, columns: int = 100, **env: str) -> Terminal:
        term = Terminal([*mlbot_command(), *args], terminal_env(tmp_path, **env), rows, columns)
        started.append(term)
        return term

    yield _start
    for term in started:
        term.close()
