"""A read-only mapping, so that frozen records cannot be changed through their dicts."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, TypeVar

K = TypeVar("K")
V = TypeVar("V")


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

    def __repr__(self) -> str:
        return f"FrozenMap({self._data!r})"

    def __hash__(self) -> int:
        return hash(tuple(sorted(map(repr, self._data.items()))))

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenMap, (self._data,))
