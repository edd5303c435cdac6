"""Plain, read-only views of a contact and an agency, as the hot path reads them.

Every update starts by asking who the chat is; these are filled from one Core SELECT, with
none of the ORM's bookkeeping (identity map, change tracking) that a read-only answer
does not need.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ContactRef:
    id: int
    chat_id: int
    chat_type: str
    user_id: int | None
    display_name: str
    agency_id: int | None
    role: str
    reachable: bool


@dataclass(frozen=True, slots=True)
class AgencyRef:
    id: int
    name: str
    code: str
    requested: bool
