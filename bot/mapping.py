"""A read-only mapping, so that frozen records cannot be changed through their dicts."""

from __future__ import annotations

from collections.abc import Mapping

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any, TypeVar

    K = TypeVar("K")
    V = TypeVar("V")
else:  # type variables only matter to the checker: no `typing` import (~1.5 ms) at run time
    K = V = object


class FrozenMap(Mapping[K, V]):
    __slots__ = ("_data",)

    def __init__(self, data: Mapping[K, V] | None = None, **kwargs: Any) -> None:
        self._data: dict[K, V] = dict(data or {}, **kwargs)

    def __getitem__(self, key: K) -> V:
        return self._data[key]

    def __iter__(self) -> Iterator[K]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    # Mapping's mixins implement these in Python on top of __getitem__ (a try/except per
    # call); the dict's own methods are C. FrozenMap is on the per-question path.
    def __contains__(self, key: object) -> bool:
        return key in self._data

    def get(self, key: Any, default: Any = None) -> Any:
        return self._data.get(key, default)

    def keys(self) -> Any:
        return self._data.keys()

    def values(self) -> Any:
        return self._data.values()

    def items(self) -> Any:
        return self._data.items()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FrozenMap):
            return self._data == other._data
        return self._data == other if isinstance(other, dict) else Mapping.__eq__(self, other)

    def __repr__(self) -> str:
        return f"FrozenMap({self._data!r})"

    def __hash__(self) -> int:
        return hash(tuple(sorted(map(repr, self._data.items()))))

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenMap, (self._data,))
