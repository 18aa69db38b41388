"""Plain-Python events: a model whose fields announce their changes.

A small version of the evented-model pattern: declare fields as a dataclass, subclass
:class:`Evented`, and every assignment that changes a value calls the listeners of that
field (``model.events.connect("text", fn)``) and then the listeners of any change
(``model.events.connect(None, fn)``) with the set of changed names. :meth:`Evented.update`
and :meth:`Evented.batch` change several fields and announce them once, so an observer
that recomputes on any change does it once per user gesture.

No Qt: the window's panels connect to these events the same way tests do.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from dataclasses import fields
from typing import Any, Callable, Iterator

log = logging.getLogger("sitmap.events")

Listener = Callable[..., None]


class Events:
    """The listeners of one model. ``connect(name, fn)`` calls ``fn(new_value)`` when the
    field changes; ``connect(None, fn)`` calls ``fn(changed_names)`` after any change."""

    def __init__(self, names: tuple[str, ...]) -> None:
        self._names = names
        self._by_name: dict[str | None, list[Listener]] = {}

    def connect(self, name: str | None, fn: Listener) -> Listener:
        if name is not None and name not in self._names:
            raise AttributeError(f"no field {name!r} to observe (fields: {', '.join(self._names)})")
        self._by_name.setdefault(name, []).append(fn)
        return fn

    def disconnect(self, name: str | None, fn: Listener) -> None:
        try:
            self._by_name.get(name, []).remove(fn)
        except ValueError:
            pass

    def emit(self, model: "Evented", changed: list[str]) -> None:
        for name in changed:
            value = getattr(model, name)
            for fn in list(self._by_name.get(name, ())):
                fn(value)
        if changed:
            names = frozenset(changed)
            for fn in list(self._by_name.get(None, ())):
                fn(names)


class Evented:
    """Base for dataclass models whose field assignments emit events.

    Subclasses are ``@dataclass`` classes (not frozen); values should be immutable
    (tuples, frozen dataclasses) so that "changed" means "a different value"."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "_field_names", tuple(f.name for f in fields(self)))
        object.__setattr__(self, "events", Events(self._field_names))
        object.__setattr__(self, "_pending", None)

    def __setattr__(self, name: str, value: Any) -> None:
        names = self.__dict__.get("_field_names")
        if names is None or name not in names:
            object.__setattr__(self, name, value)
            return
        if self.__dict__.get(name, _MISSING) == value:
            return
        object.__setattr__(self, name, value)
        pending = self.__dict__["_pending"]
        if pending is not None:
            if name not in pending:
                pending.append(name)
        else:
            self.events.emit(self, [name])

    @contextmanager
    def batch(self) -> Iterator["Evented"]:
        """Changes made inside are announced once, when the outermost batch ends."""
        outer = self._pending is None
        if outer:
            object.__setattr__(self, "_pending", [])
        try:
            yield self
        finally:
            if outer:
                changed = self._pending
                object.__setattr__(self, "_pending", None)
                self.events.emit(self, changed)

    def update(self, **changes: Any) -> None:
        with self.batch():
            for k, v in changes.items():
                if k not in self._field_names:
                    raise AttributeError(f"{type(self).__name__} has no field {k!r}")
                setattr(self, k, v)


_MISSING = object()
