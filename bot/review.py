"""A plan draft's review: what the coordinator checks, numbered for mending, before
activating. Light on imports (no database, no Telegram): the command line shows it for
`plan import --dry-run` without loading the rest of the bot."""

from __future__ import annotations

import datetime as dt

from bot import texts
from services.plan_data import Stored, parsed_of, past_deadlines, report_title, warnings_of
from services.textfit import clip

MESSAGE_LIMIT = 1500  # a phone's screen (issue 13); Telegram takes 4096
NAME_IN_REVIEW = 160  # a body's name in a draft's review (the draft keeps it whole)
# A province's plan names a hundred communes: the review lists the first bodies and every
# body that needs a check (their numbers stay those of the draft, for /suakh), and counts
# the rest (plan show on the server lists them all).
BODIES_LISTED = 12


def _owners_text(deadline: dict, data: dict) -> str:
    owners = deadline.get("owners")
    names = [a["name"] for a in data["agencies"]]
    if owners is None:
        owners = names
    if not owners:
        return texts.PLAN_OWNERS_NONE
    if set(owners) == set(names):
        return texts.PLAN_OWNERS_ALL
    missing = [n for n in names if n not in owners]
    if len(missing) == 1 and len(owners) > 2:
        return texts.PLAN_OWNERS_ALL_BUT.format(name=missing[0])
    if len(owners) <= 2:
        return "; ".join(owners)
    return texts.PLAN_OWNERS_SOME.format(count=len(owners))


def plan_review(data: dict, warnings: list[str], today: dt.date | None = None) -> str:
    """The draft a coordinator checks before activating: what was found, numbered for
    mending (/suakh), what to check, and what was not found."""
    head = texts.PLAN_REVIEW_HEAD.format(
        number=data.get("number") or texts.PLAN_NO_NUMBER,
        authority=data.get("authority") or texts.PLAN_NO_AUTHORITY,
        year=texts.PLAN_YEAR.format(year=data["year"]) if data.get("year") else "",
    )
    lines = [head]
    if data.get("issued"):
        lines.append(texts.PLAN_ISSUED.format(date=texts.date_vn(_iso(data["issued"]))))
    if data.get("coordinator"):
        lines.append(texts.PLAN_COORDINATOR.format(name=data["coordinator"]))
    agencies = data["agencies"]
    lines.append("")
    lines.append(
        texts.PLAN_AGENCIES.format(
            agencies=len(agencies), tasks=sum(len(a["tasks"]) for a in agencies)
        )
    )
    checks: list[str] = []
    hidden = 0
    for n, a in enumerate(agencies, 1):
        notes = a.get("notes") or []
        marks = "".join(texts.PLAN_AGENCY_NOTES[k] for k in notes if k in texts.PLAN_AGENCY_NOTES)
        if not a["tasks"]:
            marks += texts.PLAN_NO_TASKS_MARK
        if n > BODIES_LISTED and not marks:
            hidden += 1
            continue
        lines.append(
            texts.PLAN_AGENCY_ROW.format(
                n=n,
                name=a["name"][:NAME_IN_REVIEW],
                count=len(a["tasks"]),
                requested=texts.PLAN_REQUESTED if a["requested"] else "",
                notes=marks,
            )
        )
        if "many_bodies" in notes:
            checks.append(texts.PLAN_CHECK_MANY.format(n=n))
        if "unknown_name" in notes:
            checks.append(texts.PLAN_CHECK_UNKNOWN.format(n=n))
    if hidden:
        lines.append(texts.PLAN_MORE_AGENCIES.format(count=hidden))
    if not agencies:
        checks.append(texts.PLAN_CHECK_NO_BODY)
    lines.append("")
    deadlines = data["deadlines"]
    dated = [d for d in deadlines if d["date"]]
    if deadlines:
        lines.append(texts.PLAN_DEADLINES)
    for n, d in enumerate(deadlines, 1):
        owners = _owners_text(d, data)
        if d["date"]:
            lines.append(
                texts.PLAN_DEADLINE_ROW.format(
                    n=n,
                    date=texts.date_vn(_iso(d["date"])),
                    title=report_title(d, deadlines),
                    owners=owners,
                    recurrence=texts.PLAN_RECURRENCE.get(d.get("recurrence") or "", ""),
                )
            )
        elif d.get("relative_from") == "receipt" or (d["relative"] and "relative_from" not in d):
            lines.append(
                texts.PLAN_DEADLINE_RELATIVE.format(n=n, text=d["text"][:150], owners=owners)
            )
        else:
            lines.append(
                texts.PLAN_DEADLINE_AFTER_EVENT.format(
                    n=n, text=(d["relative"] or d["text"])[:150], owners=owners
                )
            )
    if not dated:
        lines.append(texts.PLAN_NO_DEADLINES)
    if today is not None and dated:
        past, total = past_deadlines(data, today)
        if past == total:
            lines.append(texts.PLAN_PAST_ALL.format(year=data.get("year") or ""))
        elif past:
            lines.append(texts.PLAN_PAST_SOME.format(count=past))
    if data.get("events"):
        lines.append(texts.PLAN_EVENTS.format(events=", ".join(data["events"])))
    if data.get("targets"):
        lines.append(texts.PLAN_TARGETS.format(count=len(data["targets"])))
    if checks:
        lines.append(texts.PLAN_CHECK.format(items="; ".join(checks)))
    missing = [texts.PLAN_WARNINGS[w] for w in warnings if w in texts.PLAN_WARNINGS]
    if missing:
        lines.append(texts.PLAN_MISSING.format(items="; ".join(missing)))
    lines.append("")
    lines.append(texts.PLAN_REVIEW_ASK)
    return clip("\n".join(lines), MESSAGE_LIMIT, keep_lines=True)


def draft_review(plan: Stored, today: dt.date) -> tuple[str, bool]:
    """A draft's review, and whether some of its deadlines are already past (the
    coordinator then chooses whether to activate them)."""
    data = parsed_of(plan)
    return plan_review(data, warnings_of(plan), today), past_deadlines(data, today)[0] > 0


def _iso(value: str) -> dt.date:
    return dt.date.fromisoformat(value)
