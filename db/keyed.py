"""State kept between calls belongs to one database: a registry per engine.

A cache or a setting that a module keeps for later calls is filed under the engine the
caller's session is bound to, so two databases served by one process (or two tests run one
after the other) never see each other's coordinators, subjects or settings. Entries go
with their engine: the keys are weak.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

V = TypeVar("V")


def engine_of(where: AsyncSession | AsyncConnection | AsyncEngine) -> AsyncEngine | None:
    """The engine a session (or connection) works on; None for a session bound to none."""
    if isinstance(where, AsyncEngine):
        return where
    bind = where.bind if isinstance(where, AsyncSession) else where
    if isinstance(bind, AsyncConnection):
        return bind.engine
    return bind if isinstance(bind, AsyncEngine) else None


class PerEngine(Generic[V]):
    """One value per engine, made by `factory` the first time an engine asks."""

    def __init__(self, factory: Callable[[], V]) -> None:
        self._factory = factory
        self._values: weakref.WeakKeyDictionary[AsyncEngine, V] = weakref.WeakKeyDictionary()

    def of(self, where: AsyncSession | AsyncConnection | AsyncEngine) -> V:
        engine = engine_of(where)
        if engine is None:
            raise TypeError(f"not bound to an async engine: {where!r}")
        value = self._values.get(engine)
        if value is None:
            value = self._values[engine] = self._factory()
        return value

    def get(self, where: AsyncSession | AsyncConnection | AsyncEngine) -> V | None:
        """The value kept for this engine, without making one."""
        engine = engine_of(where)
        return None if engine is None else self._values.get(engine)

    def set(self, where: AsyncSession | AsyncConnection | AsyncEngine, value: V) -> None:
        engine = engine_of(where)
        if engine is not None:  # a session bound to no engine keeps nothing
            self._values[engine] = value

    def forget(self, where: AsyncSession | AsyncConnection | AsyncEngine | None = None) -> None:
        """Drop this engine's value (every engine's when None)."""
        if where is None:
            self._values.clear()
        elif (engine := engine_of(where)) is not None:
            self._values.pop(engine, None)

    def __len__(self) -> int:
        return len(self._values)
