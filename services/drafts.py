"""Mending a plan draft before it is activated: what the parser could not read for sure,
the coordinator fixes, in chat (/suakh) or on the server (nhacviec plan edit).

Edits, as typed (numbers are those of the draft's review; Vietnamese words may be typed
with or without diacritics):

    ten 3 Sở Tư pháp                         rename body 3
    tach 9 Viện kiểm sát nhân dân tỉnh; Tòa án nhân dân tỉnh
                                             split body 9 into bodies sharing its duties
    gop 3 4                                  merge bodies 4, ... into body 3
    bo 5                                     drop line 5 (not a body)
    them Sở Nội vụ                           add a body
    chuyen 2.3 5                             move duty 3 of body 2 to body 5
    han 1 tatca | han 1 daumoi | han 1 2,5   who owes deadline 1: every body, the
                                             coordinator alone, bodies 2 and 5
    denghi 4                                 body 4 is addressed by request (or not)
    daumoi 2                                 body 2 is the coordinator

Each edit keeps the draft consistent: a deadline's owners follow their bodies through
renames, splits and merges; the coordinator's name too. The functions here work on the
draft's data (a dict) and raise DomainError("draft_edit_invalid" / "draft_no_body" /
"draft_no_deadline" / "draft_no_task" / "draft_name_taken") for what cannot be done.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Plan
from services.errors import DomainError
from services.names import normalize_name, strip_diacritics

MAX_NAME = 300

Data = dict[str, Any]
Owners = Literal["all", "coordinator"] | list[int]  # every body, the coordinator, or numbers


def _body(data: Data, number: int) -> dict:
    if not 1 <= number <= len(data["agencies"]):
        raise DomainError("draft_no_body", number=number)
    return data["agencies"][number - 1]


def _clean_name(name: str) -> str:
    name = " ".join(unicodedata.normalize("NFC", name).split()).strip(" ;,.")
    if not name or len(name) > MAX_NAME:
        raise DomainError("draft_edit_invalid")
    return name


def _check_free(data: Data, names: list[str], keep: set[int] | None = None) -> None:
    """No two bodies of a draft may have the same name."""
    taken = {
        normalize_name(a["name"])
        for i, a in enumerate(data["agencies"], 1)
        if not keep or i not in keep
    }
    keys = [normalize_name(n) for n in names]
    if len(set(keys)) < len(keys) or any(k in taken for k in keys):
        raise DomainError("draft_name_taken", name=names[0])


def _replace_owner(data: Data, old: str, new: list[str]) -> None:
    for deadline in data["deadlines"]:
        owners = deadline.get("owners") or []
        if old in owners:
            at = owners.index(old)
            rest = [n for n in owners if n != old and n not in new]
            deadline["owners"] = rest[:at] + new + rest[at:]
    if data.get("coordinator") == old:
        data["coordinator"] = new[0] if new else None


def rename(data: Data, number: int, name: str) -> None:
    body = _body(data, number)
    name = _clean_name(name)
    _check_free(data, [name], keep={number})
    old, body["name"] = body["name"], name
    _replace_owner(data, old, [name])


def split(data: Data, number: int, names: list[str]) -> None:
    body = _body(data, number)
    names = [_clean_name(n) for n in names]
    if len(names) < 2:
        raise DomainError("draft_edit_invalid")
    _check_free(data, names, keep={number})
    parts = [{**body, "name": name, "tasks": list(body["tasks"]), "notes": []} for name in names]
    data["agencies"][number - 1 : number] = parts
    _replace_owner(data, body["name"], names)


def merge(data: Data, numbers: list[int]) -> None:
    if len(set(numbers)) < 2:
        raise DomainError("draft_edit_invalid")
    bodies = [_body(data, n) for n in numbers]
    first = bodies[0]
    for other in bodies[1:]:
        first["tasks"] += [t for t in other["tasks"] if t not in first["tasks"]]
        first["requested"] = first["requested"] or other["requested"]
        _replace_owner(data, other["name"], [first["name"]])
    first["notes"] = []
    gone = {id(b) for b in bodies[1:]}
    data["agencies"] = [a for a in data["agencies"] if id(a) not in gone]


def drop(data: Data, number: int) -> None:
    body = _body(data, number)
    del data["agencies"][number - 1]
    _replace_owner(data, body["name"], [])


def add(data: Data, name: str) -> None:
    name = _clean_name(name)
    _check_free(data, [name])
    data["agencies"].append({"name": name, "requested": False, "tasks": [], "notes": []})


def move_task(data: Data, number: int, task: int, to: int) -> None:
    source, target = _body(data, number), _body(data, to)
    if not 1 <= task <= len(source["tasks"]) or number == to:
        raise DomainError("draft_no_task", number=number, task=task)
    target["tasks"].append(source["tasks"].pop(task - 1))


def set_owners(data: Data, deadline: int, who: Owners) -> None:
    if not 1 <= deadline <= len(data["deadlines"]):
        raise DomainError("draft_no_deadline", number=deadline)
    names = [a["name"] for a in data["agencies"]]
    if who == "all":
        coordinator = data.get("coordinator")
        owners = [n for n in names if n != coordinator] or names
    elif who == "coordinator":
        if not data.get("coordinator") or data["coordinator"] not in names:
            raise DomainError("draft_no_coordinator")
        owners = [data["coordinator"]]
    else:
        owners = [_body(data, n)["name"] for n in dict.fromkeys(who)]
    data["deadlines"][deadline - 1]["owners"] = owners


def toggle_requested(data: Data, number: int) -> None:
    body = _body(data, number)
    body["requested"] = not body["requested"]


def set_coordinator(data: Data, number: int) -> None:
    data["coordinator"] = _body(data, number)["name"]


# --- edits as typed --------------------------------------------------------------------

NUMBER_RE = re.compile(r"^\d{1,3}$")
NUMBERS_RE = re.compile(r"^\d{1,3}(?:\s*[,;\s]\s*\d{1,3})*$")
TASK_RE = re.compile(r"^(\d{1,3})\s*[.:/]\s*(\d{1,3})$")


def _word(text: str) -> str:
    return strip_diacritics(text).casefold().replace(" ", "")


def _numbers(text: str) -> list[int]:
    if not NUMBERS_RE.match(text.strip()):
        raise DomainError("draft_edit_invalid")
    return [int(n) for n in re.findall(r"\d+", text)]


def _number(text: str) -> int:
    if not NUMBER_RE.match(text.strip()):
        raise DomainError("draft_edit_invalid")
    return int(text)


def _owners(text: str) -> Owners:
    word = _word(text)
    if word in ("tatca", "moi", "all", "moicoquan"):
        return "all"
    if word in ("daumoi", "coordinator"):
        return "coordinator"
    return _numbers(text)


Edit = Callable[[Data], None]


def parse_edit(text: str) -> Edit:
    """An edit typed by a coordinator ("ten 3 Sở Tư pháp"), ready to apply to a draft."""
    parts = text.strip().split(maxsplit=1)
    if not parts:
        raise DomainError("draft_edit_invalid")
    verb, rest = _word(parts[0]), (parts[1].strip() if len(parts) > 1 else "")
    head, _, tail = rest.partition(" ")
    tail = tail.strip()
    if verb == "ten" and tail:
        number, name = _number(head), tail
        return lambda data: rename(data, number, name)
    if verb == "tach" and tail:
        number, names = _number(head), [n for n in re.split(r"\s*[;|\n]\s*", tail) if n]
        return lambda data: split(data, number, names)
    if verb == "gop" and rest:
        numbers = _numbers(rest)
        return lambda data: merge(data, numbers)
    if verb == "bo" and rest:
        number = _number(rest)
        return lambda data: drop(data, number)
    if verb == "them" and rest:
        return lambda data: add(data, rest)
    if verb == "chuyen" and tail:
        match = TASK_RE.match(head)
        if match is None:
            raise DomainError("draft_edit_invalid")
        number, task, to = int(match.group(1)), int(match.group(2)), _number(tail)
        return lambda data: move_task(data, number, task, to)
    if verb == "han" and tail:
        deadline, who = _number(head), _owners(tail)
        return lambda data: set_owners(data, deadline, who)
    if verb == "denghi" and rest:
        number = _number(rest)
        return lambda data: toggle_requested(data, number)
    if verb == "daumoi" and rest:
        number = _number(rest)
        return lambda data: set_coordinator(data, number)
    raise DomainError("draft_edit_invalid")


async def edit_draft(session: AsyncSession, *, plan_id: int, text: str) -> Plan:
    """Apply an edit typed by a coordinator to a draft; the draft as it now is."""
    change = parse_edit(text)
    plan = await session.get(Plan, plan_id)
    if plan is None or plan.state != "draft":
        raise DomainError("plan_not_draft")
    stored = json.loads(plan.parsed_json)
    data = stored["plan"]
    change(data)
    stored["plan"], stored["edited"] = data, True
    plan.parsed_json = json.dumps(stored, ensure_ascii=False)
    plan.coordinator = data.get("coordinator")
    await session.commit()
    return plan


async def latest_draft(session: AsyncSession) -> Plan | None:
    """The draft a coordinator most likely means when they name none."""
    from sqlmodel import col, select

    return await session.scalar(
        select(Plan).where(Plan.state == "draft").order_by(col(Plan.id).desc())
    )
