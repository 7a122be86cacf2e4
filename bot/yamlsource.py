"""Read YAML safely while remembering where each value came from.

Validation messages must name `file:line`, so mappings and sequences are built
as `MarkedDict` / `MarkedList`, which carry the line of the node and of each key
or item. Only the safe loader is used: YAML tags never construct objects.

The files may come from someone else (a shared knowledge base, a test file in a pull
request), so reading them is bounded: a file must be a regular file of at most
`bot.safeio.MAX_FILE_BYTES`, and aliases (`*name`) may not make the document bigger than
its own text by more than `MAX_ALIAS_NODES` nodes, nor by more than `MAX_ALIAS_CHARS`
characters of scalars. Nine levels of `[*a, *a, ...]` in a 10 KB file would otherwise stand
for billions of values ("billion laughs"), and one 100 KB scalar aliased 9,000 times for
900 MB of text.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .safeio import read_regular

# Nodes that aliases may add to a document, beyond the nodes written out in it. Anchors and
# aliases have legitimate small uses; a thousand-fold expansion has none.
MAX_ALIAS_NODES = 10_000
# Characters of scalars that aliases may add, beyond those written out: a scalar reached
# through N aliases counts N more times. (The built-in notes use no aliases at all.)
MAX_ALIAS_CHARS = 1_000_000

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
    # set per document by parse_yaml: without a `*` in the text there is no alias to check
    may_have_aliases = True

    def get_single_data(self) -> Any:
        # as pyyaml's, with the alias check between composing the node graph (where an
        # alias is just one more reference to a node) and constructing the values
        node = self.get_single_node()
        if node is None:
            return None
        if self.may_have_aliases:
            _check_alias_expansion(node)
        return self.construct_document(node)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _check_alias_expansion(root: yaml.Node) -> None:
    """Refuse a node graph whose aliases stand for more than `MAX_ALIAS_NODES` extra nodes
    or more than `MAX_ALIAS_CHARS` extra characters of scalars.

    Each distinct node is visited once, without recursion, and given the number of nodes
    and of scalar characters it expands to. The error points at the first (innermost)
    collection over a limit: the line where the expansion happens. An alias to a collection
    it is inside (a cycle) counts once here; the constructor then refuses it as a recursive
    node."""
    sizes: dict[int, tuple[int, int]] = {}  # finished nodes: (nodes, characters)
    written_chars = 0  # characters of the distinct scalars seen so far
    on_path: set[int] = set()
    stack = [(root, iter(_children(root)))]
    on_path.add(id(root))
    while stack:
        node, pending = stack[-1]
        child = next(pending, None)
        if child is not None:
            if id(child) in sizes or id(child) in on_path:
                continue
            if isinstance(child, yaml.ScalarNode):
                chars = len(child.value)
                sizes[id(child)] = (1, chars)
                written_chars += chars
            else:
                on_path.add(id(child))
                stack.append((child, iter(_children(child))))
            continue
        stack.pop()
        on_path.discard(id(node))
        parts = [sizes.get(id(c), (1, 0)) for c in _children(node)]
        size = 1 + sum(p[0] for p in parts)
        chars = sum(p[1] for p in parts)
        sizes[id(node)] = (size, chars)
        if size > len(sizes) + MAX_ALIAS_NODES:
            raise yaml.constructor.ConstructorError(
                None, None,
                f"aliases expand this to more than {MAX_ALIAS_NODES:,} values beyond those "
                "written out; write the values out or use fewer aliases", node.start_mark)
        if chars > written_chars + MAX_ALIAS_CHARS:
            raise yaml.constructor.ConstructorError(
                None, None,
                f"aliases expand this to more than {MAX_ALIAS_CHARS:,} characters of text "
                "beyond those written out; write the values out or use fewer aliases",
                node.start_mark)


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
    loader = _MarkedLoader(text)
    loader.may_have_aliases = "*" in text
    try:
        return loader.get_single_data()
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
        # the file exists, so there is a line to point at: its first
        raise YamlError(path, 1, "the file nests too deeply") from None
    finally:
        loader.dispose()


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0].strip() if text else "invalid YAML"


def read_yaml(path: Path) -> Any:
    """Read and parse a YAML file; a missing, special, too large, unreadable or
    undecodable file becomes `YamlError` (line 0 only for a file that does not exist)."""
    try:
        data = read_regular(path)
    except OSError as exc:
        line = 0 if isinstance(exc, FileNotFoundError) else 1
        raise YamlError(str(path), line, exc.strerror or "cannot read the file") from None
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
