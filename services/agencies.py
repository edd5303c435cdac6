"""Agencies: the bodies a plan assigns tasks to."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from db.models import Agency, Contact
from services import clock
from services.collation import sort_vi
from services.errors import DomainError
from services.names import code_from_name, is_valid_code, normalize_name


async def find_agency(session: AsyncSession, ref: str) -> Agency | None:
    """An agency by its code (any case) or by its name compared normalised."""
    ref = ref.strip()
    if not ref:
        return None
    found = await session.scalar(select(Agency).where(sa.func.upper(Agency.code) == ref.upper()))
    if found is None:
        found = await session.scalar(select(Agency).where(Agency.name_key == normalize_name(ref)))
    return found


async def get_agency(session: AsyncSession, ref: str) -> Agency:
    agency = await find_agency(session, ref)
    if agency is None:
        raise DomainError("agency_unknown", ref=ref)
    return agency


async def _free_code(session: AsyncSession, base: str) -> str:
    taken = set(
        (await session.scalars(select(Agency.code).where(Agency.code.startswith(base)))).all()
    )
    if base not in taken:
        return base
    n = 2
    while f"{base}{n}" in taken:
        n += 1
    return f"{base}{n}"


async def add_agency(
    session: AsyncSession, *, name: str, code: str | None = None, requested: bool = False
) -> Agency:
    """Create an agency; its code is made from the name's initials when not given."""
    name = " ".join(name.split())
    if not name:
        raise DomainError("name_empty")
    key = normalize_name(name)
    existing = await session.scalar(select(Agency).where(Agency.name_key == key))
    if existing is not None:
        raise DomainError("agency_exists", name=existing.name, code=existing.code)
    if code is not None:
        code = code.strip().upper()
        if not is_valid_code(code):
            raise DomainError("code_invalid", code=code)
        holder = await session.scalar(select(Agency).where(sa.func.upper(Agency.code) == code))
        if holder is not None:
            raise DomainError("code_taken", code=code, name=holder.name)
    else:
        code = await _free_code(session, code_from_name(name))
    agency = Agency(code=code, name=name, name_key=key, requested=requested, created_at=clock.now())
    session.add(agency)
    await session.commit()
    return agency


async def list_agencies(session: AsyncSession) -> list[tuple[Agency, int]]:
    """Every agency with its number of reachable contacts."""
    contacts = (
        select(Contact.agency_id, sa.func.count().label("n"))
        .where(Contact.reachable.is_(True))
        .group_by(Contact.agency_id)
        .subquery()
    )
    rows = await session.execute(
        select(Agency, sa.func.coalesce(contacts.c.n, 0)).outerjoin(
            contacts, contacts.c.agency_id == Agency.id
        )
    )
    return sort_vi(((agency, n) for agency, n in rows.all()), key=lambda row: row[0].name)
