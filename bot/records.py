"""Frozen record classes, as `@dataclass(frozen=True)` makes them, without its start-up cost.

Why: `import dataclasses` pulls in `inspect` (and `ast`, `dis`, `tokenize`...), ~5 ms, and
the decorator generates and compiles six methods per class, ~0.3 ms a class: a warm
`mlbot ask` paid more for its record classes than for answering. A `Record` subclass
compiles one method (its `__init__`); equality, hashing and repr are shared.

    class Role(Record):
        id: str
        name: str
        aliases: tuple[str, ...] = ()
        index: Mapping[str, int] = field(default_factory=FrozenMap, compare=False)

behaves as the same class under `@dataclass(frozen=True)`: the fields are the annotated
names, in order (a base record's first); `__init__` takes them positionally or by name,
defaults last; instances are equal when they are of the same class and their compared fields
are equal, and hash alike then; assigning an attribute raises `FrozenInstanceError` (an
AttributeError); `replace(record, **changes)` is `dataclasses.replace`. Instances keep their
fields in `__dict__`, so they pickle as frozen dataclasses do, and `functools.cached_property`
works on them. Not supported (not needed so far): `init=False`, `kw_only`, `__post_init__`,
`ClassVar` fields, ordering. Type checkers know all this through `dataclass_transform`.
"""

from __future__ import annotations

from operator import attrgetter

TYPE_CHECKING = False  # `typing` itself costs ~1.5 ms to import; only the checker needs it
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, TypeVar

    from typing_extensions import dataclass_transform

    RecordT = TypeVar("RecordT")
else:
    def dataclass_transform(**_: object) -> object:
        return lambda cls: cls


class FrozenInstanceError(AttributeError):
    """Raised when a field of a record is assigned or deleted (as `dataclasses` does)."""


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


class _Field:
    __slots__ = ("default", "default_factory", "compare")

    def __init__(self, default: Any, default_factory: Callable[[], Any] | None, compare: bool) -> None:
        self.default = default
        self.default_factory = default_factory
        self.compare = compare


def field(*, default: Any = MISSING, default_factory: Callable[[], Any] | None = None,
          compare: bool = True) -> Any:
    """A field with a default made fresh for each record (`default_factory`), or one left
    out of equality and hashing (`compare=False`), as `dataclasses.field`."""
    if default is not MISSING and default_factory is not None:
        raise ValueError("cannot give both default and default_factory")
    return _Field(default, default_factory, compare)


def _init_source(names: tuple[str, ...], defaults: dict[str, Any],
                 factories: dict[str, Callable[[], Any]]) -> str:
    """The source of a record's `__init__`. Fields go straight into `__dict__`: the frozen
    `__setattr__` is not called, and a dict store is the fastest way to set an attribute."""
    params = ["self"]
    body = ["    _d_ = self.__dict__"]
    for name in names:
        if name in factories:
            params.append(f"{name}=MISSING")
            body.append(f"    _d_[{name!r}] = _factory_{name}() if {name} is MISSING else {name}")
        elif name in defaults:
            params.append(f"{name}=_default_{name}")
            body.append(f"    _d_[{name!r}] = {name}")
        else:
            params.append(name)
            body.append(f"    _d_[{name!r}] = {name}")
    return f"def __init__({', '.join(params)}):\n" + "\n".join(body) + "\n"


def _make_init(cls: type, names: tuple[str, ...], defaults: dict[str, Any],
               factories: dict[str, Callable[[], Any]]) -> Callable[..., None]:
    scope: dict[str, Any] = {"MISSING": MISSING}
    scope.update({f"_default_{name}": value for name, value in defaults.items()})
    scope.update({f"_factory_{name}": value for name, value in factories.items()})
    # one compile per class; `dataclasses` compiles six
    exec(compile(_init_source(names, defaults, factories), f"<record {cls.__qualname__}>", "exec"), scope)
    init: Callable[..., None] = scope["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    return init


def _key_getter(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """A C-speed function of a record: the tuple of its compared fields."""
    if len(names) == 1:  # attrgetter of one name gives the value itself, not a 1-tuple
        one = attrgetter(names[0])
        return lambda record: (one(record),)
    if not names:
        return lambda record: ()
    return attrgetter(*names)


def _check_order(cls: type, names: list[str], defaults: dict[str, Any],
                 factories: dict[str, Callable[[], Any]]) -> None:
    """A field without a default may not follow one with a default (as in `dataclasses`)."""
    seen_default = ""
    for name in names:
        if name in defaults or name in factories:
            seen_default = seen_default or name
        elif seen_default:
            raise TypeError(f"{cls.__qualname__}: non-default field {name!r} follows default field {seen_default!r}")


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
class Record:
    """Base of frozen record classes (see the module's docstring)."""

    __slots__ = ()
    _fields: tuple[str, ...] = ()
    _compared: tuple[str, ...] = ()
    _defaults: dict[str, Any] = {}  # read only, per class
    _factories: dict[str, Callable[[], Any]] = {}
    # the compared fields as a tuple; not a method (an attrgetter is not bound to the
    # instance), so it is called as `self._key(self)`
    _key: Callable[[Any], tuple[Any, ...]] = staticmethod(lambda record: ())  # type: ignore[assignment]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # a base record's fields come first, with their defaults
        names = list(cls._fields)
        compared = set(cls._compared)
        defaults: dict[str, Any] = dict(getattr(cls, "_defaults", {}))
        factories: dict[str, Callable[[], Any]] = dict(getattr(cls, "_factories", {}))
        for name in cls.__dict__.get("__annotations__", {}):
            value = cls.__dict__.get(name, MISSING)
            compare = True
            if isinstance(value, _Field):
                compare = value.compare
                if value.default_factory is not None:
                    factories[name] = value.default_factory
                value = value.default
                if value is MISSING:  # no class attribute: a missing value is an error
                    delattr(cls, name)
                else:  # the default as a class attribute, as `dataclasses` leaves it
                    setattr(cls, name, value)
            if value is not MISSING:
                defaults[name] = value
            if name not in names:
                names.append(name)
            if compare:
                compared.add(name)
            else:
                compared.discard(name)
        _check_order(cls, names, defaults, factories)
        cls._fields = tuple(names)
        cls._compared = tuple(name for name in names if name in compared)
        cls._defaults = defaults
        cls._factories = factories
        cls._key = staticmethod(_key_getter(cls._compared))  # type: ignore[assignment]
        cls.__init__ = _make_init(cls, cls._fields, defaults, factories)  # type: ignore[method-assign]

    def __setattr__(self, name: str, value: object) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def __eq__(self, other: object) -> bool:
        if other.__class__ is self.__class__:
            return bool(self._key(self) == other._key(other))  # type: ignore[attr-defined]
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._key(self))

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields)
        return f"{type(self).__qualname__}({fields})"


def replace(record: RecordT, **changes: Any) -> RecordT:
    """A copy of `record` with the given fields changed, as `dataclasses.replace` (which it
    falls back on for a dataclass, importing `dataclasses` only then)."""
    if isinstance(record, Record):
        values = {name: getattr(record, name) for name in record._fields}
        values.update(changes)
        return type(record)(**values)  # type: ignore[return-value]
    import dataclasses

    return dataclasses.replace(record, **changes)  # type: ignore[type-var]
