"""pytest plugin (entry point pytest11): collects `*.chat.yaml` canned tests.

Each conversation is one test item named after it; a failure shows the same turn report
as `mlbot test`; an invalid file is a collection error listing every `file:line: problem`.
Only `*.chat.yaml` is collected, so knowledge-base YAML and work-in-progress test files
(`pending/*.yaml`) are left alone. The plugin is loaded in every pytest run of the venv,
so nothing heavy is imported until a `.chat.yaml` file is actually found.

Options: `--mlbot-knowledge DIR` (or ini `mlbot_knowledge`, or $MLBOT_KNOWLEDGE) picks the
knowledge base the tests run against.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from ..engine import Bot
    from .check import ConversationResult
    from .spec import Conversation

SUFFIX = ".chat.yaml"
_BOTS: pytest.StashKey[dict[str | None, Any]] = pytest.StashKey()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mlbot", "mlbot canned question tests (*.chat.yaml)")
    group.addoption(
        "--mlbot-knowledge",
        metavar="DIR",
        default=None,
        help="knowledge base directory for *.chat.yaml tests (default: $MLBOT_KNOWLEDGE, "
        "else the built-in notes)",
    )
    parser.addini("mlbot_knowledge", "knowledge base directory for *.chat.yaml tests", default="")


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.name.endswith(SUFFIX):
        return ChatFile.from_parent(parent, path=file_path)
    return None


def _knowledge_dir(config: pytest.Config) -> str | None:
    option = config.getoption("mlbot_knowledge")
    if option:
        return str(option)
    ini = config.getini("mlbot_knowledge")
    if not ini:
        return None  # $MLBOT_KNOWLEDGE, else the built-in notes
    # an ini path means the same wherever pytest is started from: relative to the ini file
    base = config.inipath.parent if config.inipath else config.rootpath
    return str(base / ini)


def _bot(config: pytest.Config) -> Any:
    """One bot per knowledge base for the whole session (building it parses the YAML)."""
    bots = config.stash.setdefault(_BOTS, {})
    directory = _knowledge_dir(config)
    if directory not in bots:
        from ..cli import load_bot

        bots[directory] = load_bot(directory)
    return bots[directory]


class ConversationFailed(Exception):
    def __init__(self, result: ConversationResult) -> None:
        super().__init__(repr(result.conversation.name))
        self.result = result


class ChatFile(pytest.File):
    def collect(self) -> Iterator[ChatItem]:
        from ..loader import KnowledgeError
        from .spec import known_from_knowledge, load_file

        try:
            bot = _bot(self.config)
        except KnowledgeError as exc:
            raise self.CollectError(
                "the knowledge base has problems:\n" + "\n".join(str(p) for p in exc.problems)
            ) from None
        shown = _relative(self.path, self.config.rootpath)
        test_file, problems = load_file(self.path, known_from_knowledge(bot.knowledge), shown=shown)
        if test_file is None:
            raise self.CollectError(
                "invalid canned test file:\n" + "\n".join(str(p) for p in problems)
            )
        from .pattern import Budget
        from .spec import escape_controls

        budget = Budget(shown)  # the file's pattern time, shared by its conversations
        for conversation in test_file.conversations:
            # the name is someone else's text, shown by pytest in node ids, headers and the
            # summary: escape what could steer the terminal (ESC, C1, bidi), as mlbot test does
            yield ChatItem.from_parent(self, name=escape_controls(conversation.name),
                                       conversation=conversation, budget=budget)


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


class ChatItem(pytest.Item):
    def __init__(self, *, conversation: Conversation, budget: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.conversation = conversation
        self.budget = budget

    def runtest(self) -> None:
        from .check import run_conversation

        bot: Bot = _bot(self.config)
        result = run_conversation(bot, self.conversation, self.budget)
        if not result.passed:
            raise ConversationFailed(result)

    def repr_failure(
        self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None
    ) -> str | Any:
        if isinstance(excinfo.value, ConversationFailed):
            from .report import failure_report
            from .spec import escape_controls

            result = excinfo.value.result
            c = result.conversation
            number, first = result.failed_turns[0]
            # the first line is what `pytest -rf` shows in its short summary: make it the reason
            return (
                escape_controls(f"turn {number} of {c.name!r}: {first.failures[0]} "
                                f"({c.path}:{first.turn.line})") + "\n"
                f"{failure_report(result)}"
            )
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.conversation.line - 1, f"conversation: {self.name}"
