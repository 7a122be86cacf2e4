"""Read YAML safely while remembering where each value came from.

Validation messages must name `file:line`, so mappings and sequences are built
as `MarkedDict` / `MarkedList`, which carry the line of the node and of each key
or item. Only the safe loader is used: YAML tags never construct objects.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

try:  # the C parser is several times faster when pyyaml was built with libyaml
    _Base: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # pragma: no cover - depends on the pyyaml build
    _Base = yaml.SafeLoader


class MarkedDict(dict):  # type: ignore[type-arg]
    line: int = 0
    key_lines: dict[Any, int]


class MarkedList(list):  # type: ignore[type-arg]
    line: int = 0
    item_lines: list[int]


class YamlError(Exception):
    """A file that is not valid YAML; `line` is 1-based, 0 when unknown."""

    def __init__(self, path: str, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path, self.line, self.message = path, line, message


class _MarkedLoader(_Base):  # type: ignore[valid-type,misc]
    pass


def _construct_mapping(loader: Any, node: yaml.MappingNode) -> MarkedDict:
    result = MarkedDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, "a mapping key must be a plain value", key_node.start_mark
            ) from None
        if key in result:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader: Any, node: yaml.SequenceNode) -> MarkedList:
    result = MarkedList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


def _checked(construct: Any) -> Any:
    """A scalar constructor whose Python errors become YAML errors at the node's line: a
    5000-digit integer or a date such as 2024-13-45 raises ValueError inside pyyaml."""

    def wrapper(loader: Any, node: yaml.Node) -> Any:
        try:
            return construct(loader, node)
        except (ValueError, OverflowError, TypeError) as exc:
            value = str(node.value)
            shown = value if len(value) <= 40 else value[:37] + "..."
            reason = str(exc).split(";")[0]
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot read the value {shown!r}: {reason}", node.start_mark
            ) from None

    return wrapper


_MarkedLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_MarkedLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)
for _tag in ("int", "float", "timestamp"):
    _MarkedLoader.add_constructor(
        f"tag:yaml.org,2002:{_tag}", _checked(_Base.yaml_constructors[f"tag:yaml.org,2002:{_tag}"])
    )


def _line_at(text: str, index: int) -> int:
    """1-based line of character `index` of `text`."""
    return text.count("\n", 0, max(index, 0)) + 1


def parse_yaml(text: str, path: str) -> Any:
    """Parse one YAML document from `text`; errors become `YamlError` with file and line."""
    try:
        return yaml.load(text, Loader=_MarkedLoader)  # noqa: S506 - safe loader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 0
        problem = exc.problem or exc.context or "invalid YAML"
        start = exc.context_mark
        if exc.problem and exc.context and start is not None and start.line + 1 != line:
            # pyyaml notices an unclosed bracket or quote where the next thing starts: say
            # where the construct began too, which is usually the line to fix
            problem = f"{problem} ({exc.context} at line {start.line + 1})"
        raise YamlError(path, line, problem) from None
    except yaml.reader.ReaderError as exc:
        # a control character or NUL in the file: no mark, but its position in the text
        raise YamlError(path, _line_at(text, exc.position), _first_line(exc)) from None
    except yaml.YAMLError as exc:
        raise YamlError(path, 0, _first_line(exc)) from None
    except RecursionError:
        raise YamlError(path, 0, "the file nests too deeply") from None


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0].strip() if text else "invalid YAML"


def read_yaml(path: Path) -> Any:
    """Read and parse a YAML file; unreadable or undecodable files become `YamlError`."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise YamlError(str(path), 0, exc.strerror or "cannot read the file") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        reason = f"not UTF-8 text ({exc.reason} at byte {exc.start + 1})"
        raise YamlError(str(path), line, reason) from None
    return parse_yaml(text, str(path))


def line_of(container: Any, key: Any = None) -> int:
    """The line of `container[key]` (or of the container itself) when known, else 0."""
    if key is not None:
        if isinstance(container, MarkedDict):
            return container.key_lines.get(key, container.line)
        if isinstance(container, MarkedList) and isinstance(key, int):
            if 0 <= key < len(container.item_lines):
                return container.item_lines[key]
            return container.line
    return int(getattr(container, "line", 0))
