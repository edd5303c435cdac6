"""Report files officials send: checked before they count, and kept for coordinators.

A file counts as a task's report only if it can be one: not empty, within what a bot may
download from Telegram (20 MB), and of a type a report is written in (documents,
spreadsheets, slides, text, scans, archives). Anything else changes nothing. A file that
counts is kept by its Telegram file_id, which is all a bot needs to send it again: to the
coordinators with the notice, and later on request (/baocao).
"""

from __future__ import annotations

import datetime as dt
import mimetypes
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Agency, Contact, Submission, Task
from services.agencies import find_agency
from services.broadcasts import agency_ids_for, find_group
from services.parsing import normalize

MAX_BYTES = 20 * 1024 * 1024  # getFile's limit for bots
REPORT_EXTENSIONS = frozenset(
    {
        *("pdf", "doc", "docx", "odt", "rtf", "txt"),
        *("xls", "xlsx", "ods", "csv"),
        *("ppt", "pptx", "odp"),
        *("jpg", "jpeg", "png", "heic", "tif", "tiff", "gif", "webp"),
        *("zip", "rar", "7z"),
    }
)
REPORT_MIME_PREFIXES = ("image/", "text/")
REPORT_MIMES = frozenset(
    mimetypes.types_map[f".{ext}"] for ext in REPORT_EXTENSIONS if f".{ext}" in mimetypes.types_map
) | {
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/zip",
    "application/x-rar-compressed",
    "application/vnd.rar",
    "application/x-7z-compressed",
}


@dataclass(frozen=True)
class FileInfo:
    """A document as Telegram describes it."""

    file_id: str
    file_unique_id: str | None
    file_name: str | None
    file_size: int | None
    mime_type: str | None


def check(file: FileInfo) -> str | None:
    """Why this file cannot be a report ("file_empty", "file_too_big", "file_bad_type"),
    or None. The name's extension decides the type when there is one (a name ending in
    .exe is refused whatever the mime type says); without one, the mime type does."""
    if file.file_size is not None and file.file_size <= 0:
        return "file_empty"
    if file.file_size is not None and file.file_size > MAX_BYTES:
        return "file_too_big"
    name = (file.file_name or "").strip().lower()
    ext = name.rsplit(".", 1)[1] if "." in name else ""
    if ext:
        return None if ext in REPORT_EXTENSIONS else "file_bad_type"
    mime = (file.mime_type or "").lower()
    if mime in REPORT_MIMES or mime.startswith(REPORT_MIME_PREFIXES):
        return None
    return "file_bad_type"


@dataclass(frozen=True)
class Filed:
    """A report file as a coordinator sees it in a list."""

    id: int
    file_id: str
    file_name: str | None
    agency: str
    title: str
    due: dt.date | None
    at: dt.datetime
    who: str | None


PER_PAGE = 8


async def resolve_scope(session: AsyncSession, ref: str) -> str | None:
    """What /baocao names: an agency (code or name) "a<id>", a saved group "g<id>", a task
    by number ("12", "#12") or by words of its title "t<id>"; "" for nothing; None when
    nothing matches."""
    ref = ref.strip()
    if not ref:
        return ""
    agency = await find_agency(session, ref)
    if agency is not None:
        return f"a{agency.id}"
    group = await find_group(session, ref)
    if group is not None:
        return f"g{group.id}"
    number = ref.lstrip("#")
    if number.isdigit() and len(number) <= 12:
        if await session.get(Task, int(number)) is not None:
            return f"t{int(number)}"
        return None
    words = normalize(ref)
    if len(words) < 3:
        return None
    # A task whose title holds these words, the one with the latest file first.
    task = Task.__table__  # type: ignore[attr-defined]
    sub = Submission.__table__  # type: ignore[attr-defined]
    rows = await session.execute(
        sa.select(task.c.id, task.c.title)
        .join(sub, sub.c.task_id == task.c.id)
        .order_by(sub.c.id.desc())
        .limit(2000)
    )
    for task_id, title in rows.all():
        if words in normalize(title[:500]):
            return f"t{task_id}"
    return None


async def list_filed(
    session: AsyncSession, scope: str, *, submission_id: int | None = None
) -> list[Filed]:
    """Report files in a scope (see resolve_scope), newest first; or the one asked for."""
    sub, task, agency, contact = (
        Submission.__table__,  # type: ignore[attr-defined]
        Task.__table__,  # type: ignore[attr-defined]
        Agency.__table__,  # type: ignore[attr-defined]
        Contact.__table__,  # type: ignore[attr-defined]
    )
    query = (
        sa.select(
            sub.c.id,
            sub.c.file_id,
            sub.c.file_name,
            agency.c.name,
            task.c.title,
            task.c.due_date,
            sub.c.at,
            contact.c.display_name,
        )
        .join(task, task.c.id == sub.c.task_id)
        .join(agency, agency.c.id == task.c.agency_id)
        .outerjoin(contact, contact.c.id == sub.c.contact_id)
        .order_by(sub.c.id.desc())
    )
    if submission_id is not None:
        query = query.where(sub.c.id == submission_id)
    kind, value = scope[:1], scope[1:]
    if kind == "a":
        query = query.where(task.c.agency_id == int(value))
    elif kind == "g":
        query = query.where(task.c.agency_id.in_(await agency_ids_for(session, f"group:{value}")))
    elif kind == "t":
        query = query.where(task.c.id == int(value))
    return [Filed(*row) for row in (await session.execute(query)).all()]


async def scope_name(session: AsyncSession, scope: str) -> str:
    """The agency, group or task a scope names, for the heading of the list."""
    kind, value = scope[:1], scope[1:]
    if kind == "a":
        found = await session.get(Agency, int(value))
        return found.name if found else ""
    if kind == "g":
        from db.models import AgencyGroup

        group = await session.get(AgencyGroup, int(value))
        return group.name if group else ""
    if kind == "t":
        task = await session.get(Task, int(value))
        return task.title if task else ""
    return ""


async def get_filed(session: AsyncSession, submission_id: int) -> Filed | None:
    found = await list_filed(session, "", submission_id=submission_id)
    return found[0] if found else None
