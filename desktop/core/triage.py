"""Triage as plain values: an item's state, priority and categories, and a change to them.

The states a commander moves an item through, in order: ``new`` → ``review`` →
``verified`` / ``false`` (false or misleading) / ``duplicate`` → ``actioned`` →
``closed``. Priorities: ``routine``, ``urgent``, ``critical``. Category tags (crowd,
violence, traffic…) are data in the cache (``triage_categories``). The in-memory index
keeps state and priority as small integer codes: the position in :data:`STATES` and
:data:`PRIORITIES`.
"""

from __future__ import annotations

from dataclasses import dataclass

from desktop.core.errors import SitmapError

STATES = ("new", "review", "verified", "false", "duplicate", "actioned", "closed")
PRIORITIES = ("routine", "urgent", "critical")
INCIDENT_STATES = ("open", "monitoring", "closed")
STATE_CODE = {s: i for i, s in enumerate(STATES)}
PRIORITY_CODE = {p: i for i, p in enumerate(PRIORITIES)}


class TriageError(SitmapError):
    """A triage, incident or task request that cannot be carried out (unknown id or state)."""


def check_state(state: str) -> str:
    if state not in STATE_CODE:
        raise TriageError(f"unknown triage state {state!r}: use one of {', '.join(STATES)}")
    return state


def check_priority(priority: str) -> str:
    if priority not in PRIORITY_CODE:
        raise TriageError(f"unknown priority {priority!r}: use one of {', '.join(PRIORITIES)}")
    return priority


@dataclass(frozen=True)
class TriageChange:
    """What to change; None (or empty) leaves a field as it is."""

    state: str | None = None
    priority: str | None = None
    add_tags: tuple[str, ...] = ()
    remove_tags: tuple[str, ...] = ()
    duplicate_of: int | None = None
    note: str | None = None

    def __post_init__(self) -> None:
        if self.state is not None:
            check_state(self.state)
        if self.priority is not None:
            check_priority(self.priority)
        if self.duplicate_of is not None and self.state not in (None, "duplicate"):
            raise TriageError("a 'duplicate of' link goes with the state duplicate")


@dataclass(frozen=True)
class Triage:
    """An item's current triage (the default for an item nobody has touched)."""

    item_id: int
    state: str = "new"
    priority: str = "routine"
    tags: tuple[str, ...] = ()
    duplicate_of: int | None = None
    officer: bool = False  # the state was confirmed by a unit in the field
    updated_ms: int | None = None
    updated_by: str | None = None
