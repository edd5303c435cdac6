"""Agencies: the bodies a plan assigns tasks to."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from db.models import Agency, AgencyAlias, Contact, Event
from services import audit, clock
from services.audit import Who
from services.collation import sort_vi
from services.errors import DomainError
from services.names import code_from_name, is_valid_code, normalize_name


async def find_agency(session: AsyncSession, ref: str) -> Agency | None:
    """An agency by its code (any case) or by its name compared normalised; then by a
    former name or code (after a rename, merge or split: see AgencyAlias)."""
    ref = ref.strip()
    if not ref:
        return None
    found = await session.scalar(select(Agency).where(sa.func.upper(Agency.code) == ref.upper()))
    if found is None:
        found = await find_by_name(session, ref)
    if found is None:
        found = await session.scalar(
            select(Agency)
            .join(AgencyAlias, col(AgencyAlias.agency_id) == Agency.id)
            .where(sa.func.upper(AgencyAlias.code) == ref.upper())
            .order_by(col(AgencyAlias.id).desc())
        )
    return found


async def find_by_name(session: AsyncSession, name: str) -> Agency | None:
    """An agency by its name, or a name it had (how a plan's bodies are matched)."""
    key = normalize_name(name)
    found = await session.scalar(select(Agency).where(Agency.name_key == key))
    if found is None:
        found = await session.scalar(
            select(Agency)
            .join(AgencyAlias, col(AgencyAlias.agency_id) == Agency.id)
            .where(AgencyAlias.name_key == key)
        )
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
    taken |= {  # a former code still finds its body: not given to another
        c
        for c in (
            await session.scalars(
                select(AgencyAlias.code).where(AgencyAlias.code.startswith(base))  # type: ignore[union-attr]
            )
        ).all()
        if c
    }
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
    agency = await new_agency(session, name=name, code=code, requested=requested)
    await session.commit()
    return agency


async def new_agency(
    session: AsyncSession, *, name: str, code: str | None = None, requested: bool = False
) -> Agency:
    """add_agency in the caller's transaction (flushed, not committed)."""
    name = " ".join(name.split())
    if not name:
        raise DomainError("name_empty")
    key = normalize_name(name)
    existing = await find_by_name(session, name)
    if existing is not None:
        raise DomainError("agency_exists", name=existing.name, code=existing.code)
    if code is not None:
        code = await _check_code(session, code)
    else:
        code = await _free_code(session, code_from_name(name))
    agency = Agency(code=code, name=name, name_key=key, requested=requested, created_at=clock.now())
    session.add(agency)
    await session.flush()
    return agency


async def _check_code(session: AsyncSession, code: str, *, own_id: int | None = None) -> str:
    code = code.strip().upper()
    if not is_valid_code(code):
        raise DomainError("code_invalid", code=code)
    holder = await session.scalar(select(Agency).where(sa.func.upper(Agency.code) == code))
    if holder is None:
        holder = await session.scalar(
            select(Agency)
            .join(AgencyAlias, col(AgencyAlias.agency_id) == Agency.id)
            .where(sa.func.upper(AgencyAlias.code) == code)
        )
    if holder is not None and holder.id != own_id:
        raise DomainError("code_taken", code=code, name=holder.name)
    return code


async def keep_former_name(
    session: AsyncSession, agency: Agency, *, name: str, code: str | None, into: Agency
) -> None:
    """`agency`'s name (and code) find `into` from now on (a rename: the same agency)."""
    key = normalize_name(name)
    alias = await session.scalar(select(AgencyAlias).where(AgencyAlias.name_key == key))
    if alias is None:
        session.add(
            AgencyAlias(
                agency_id=into.id,  # type: ignore[arg-type]
                name=name,
                name_key=key,
                code=code,
                created_at=clock.now(),
            )
        )
    else:
        alias.agency_id, alias.code = into.id, code or alias.code  # type: ignore[assignment]
    if agency.id != into.id:  # its own former names follow it
        await session.execute(
            sa.update(AgencyAlias)
            .where(col(AgencyAlias.agency_id) == agency.id)
            .values(agency_id=into.id)
        )
    await session.flush()


async def replace_event_codes(session: AsyncSession, old: str, new: list[str]) -> None:
    """Events meant for some agencies, by code: `old` becomes the codes in `new`."""
    old = old.upper()
    for event in (
        await session.scalars(select(Event).where(Event.agency_codes.is_not(None)))  # type: ignore[union-attr]
    ).all():
        codes = [c.strip().upper() for c in (event.agency_codes or "").split(",") if c.strip()]
        if old not in codes:
            continue
        kept: list[str] = []
        for c in codes:
            for replacement in [n.upper() for n in new] if c == old else [c]:
                if replacement not in kept:
                    kept.append(replacement)
        event.agency_codes = ",".join(kept)


async def rename_agency(
    session: AsyncSession, *, ref: str, name: str, code: str | None = None, who: Who
) -> tuple[Agency, str]:
    """A new name (and code); the former ones still find the agency. Returns the agency and
    its former name."""
    agency = await get_agency(session, ref)
    old_name, old_code = agency.name, agency.code
    name = " ".join(name.split())
    if not name:
        raise DomainError("name_empty")
    key = normalize_name(name)
    holder = await find_by_name(session, name)
    if holder is not None and holder.id != agency.id:
        raise DomainError("agency_exists", name=holder.name, code=holder.code)
    new_code = await _check_code(session, code, own_id=agency.id) if code else old_code
    if key == agency.name_key and name == agency.name and new_code == old_code:
        raise DomainError("nothing_to_change")
    # The new name may be one the agency had: no longer a former name then.
    await session.execute(sa.delete(AgencyAlias).where(col(AgencyAlias.name_key) == key))
    if key != agency.name_key or new_code != old_code:
        await keep_former_name(
            session,
            agency,
            name=old_name,
            code=old_code if new_code != old_code else None,
            into=agency,
        )
    agency.name, agency.name_key, agency.code = name, key, new_code
    if new_code != old_code:
        await replace_event_codes(session, old_code, [new_code])
    audit.record(
        session,
        action="agency_renamed",
        who=who,
        agency_name=name,
        detail={"from": old_name, "to": name, "from_code": old_code, "to_code": new_code},
    )
    await session.commit()
    return agency, old_name


async def list_agencies(session: AsyncSession) -> list[tuple[Agency, int]]:
    """Every agency with its number of reachable contacts."""
    contacts = (
        select(Contact.agency_id, sa.func.count().label("n"))
        .where(col(Contact.reachable).is_(True))
        .group_by(col(Contact.agency_id))
        .subquery()
    )
    rows = await session.execute(
        select(Agency, sa.func.coalesce(contacts.c.n, 0)).outerjoin(
            contacts, contacts.c.agency_id == Agency.id
        )
    )
    return sort_vi(((agency, n) for agency, n in rows.all()), key=lambda row: row[0].name)
