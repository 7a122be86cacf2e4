"""bot.records.Record behaves as @dataclass(frozen=True) for what the project uses."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from collections.abc import Mapping

import pytest

from bot.mapping import FrozenMap
from bot.records import FrozenInstanceError, Record, field, replace


class Point(Record):
    x: int
    y: int = 0
    tags: tuple[str, ...] = ()
    index: Mapping[str, int] = field(default_factory=FrozenMap, compare=False)
    note: str = field(default="", compare=False)

    @property
    def total(self) -> int:
        return self.x + self.y


@dataclasses.dataclass(frozen=True)
class DataPoint:
    x: int
    y: int = 0
    tags: tuple[str, ...] = ()
    index: Mapping[str, int] = dataclasses.field(default_factory=FrozenMap, compare=False)
    note: str = dataclasses.field(default="", compare=False)


class Point3(Point):
    z: int = 0


def test_construction_positional_keyword_and_defaults() -> None:
    p = Point(1, y=2)
    assert (p.x, p.y, p.tags, p.note, p.total) == (1, 2, (), "", 3)
    assert p.index == {} and p.index is not Point(1).index  # a fresh default per record
    with pytest.raises(TypeError):
        Point()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Point(1, nope=2)  # type: ignore[call-arg]


def test_equality_and_hash_follow_the_compared_fields() -> None:
    assert Point(1, 2) == Point(1, 2, index=FrozenMap(a=1), note="other")
    assert hash(Point(1, 2)) == hash(Point(1, 2, note="other"))
    assert Point(1, 2) != Point(1, 3)
    assert Point(1) != DataPoint(1) and Point(1) != (1, 0, ())
    assert Point3(1) != Point(1)  # another class is never equal, as in dataclasses
    assert len({Point(1), Point(1), Point(2)}) == 2


def test_frozen() -> None:
    p = Point(1)
    with pytest.raises(FrozenInstanceError):
        p.x = 2  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del p.x  # type: ignore[misc]


def test_repr_matches_dataclasses() -> None:
    assert repr(Point(1, tags=("a",))).removeprefix("Point") == repr(DataPoint(1, tags=("a",))).removeprefix(
        "DataPoint")


def test_pickle_copy_and_replace() -> None:
    p = Point(1, 2, ("a",), FrozenMap(a=1), "n")
    for q in (pickle.loads(pickle.dumps(p)), copy.copy(p), copy.deepcopy(p)):
        assert q == p and q.note == "n" and q.index == {"a": 1}
    r = replace(p, y=5)
    assert (r.x, r.y, r.note) == (1, 5, "n") and p.y == 2
    assert replace(DataPoint(1), y=5) == DataPoint(1, 5)  # dataclasses are handed to dataclasses
    with pytest.raises(TypeError):
        replace(p, nope=1)


def test_inherited_fields_come_first() -> None:
    assert Point3._fields == ("x", "y", "tags", "index", "note", "z")
    assert Point3(1, z=3).z == 3


def test_a_field_without_default_after_one_with_default_is_refused() -> None:
    with pytest.raises(TypeError, match="non-default"):
        class Bad(Record):
            a: int = 0
            b: int
