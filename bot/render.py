"""Turn service results into the texts people read (no Telegram calls here)."""

from __future__ import annotations

from collections import Counter

from bot import texts
from services.broadcasts import Report
from services.clock import VN_TZ
from services.export import ExportLabels
from services.plans import Activation
from services.status import STATUSES
from services.summary import Summary
from services.tasks import TaskView

MESSAGE_LIMIT = 4000  # below Telegram's 4096, leaving room for a header
TASKS_PER_MESSAGE = 8  # 4 buttons each; Telegram allows 100 buttons, phones show far fewer


def status_text(v: TaskView) -> str:
    parts = [texts.STATUS[v.status]]
    if v.blocked and v.progress != "done":
        parts.append(texts.FLAG_BLOCKED)
    if v.extension_requested and v.progress != "done":
        parts.append(texts.FLAG_EXTENSION)
    return " · ".join(parts)


def due_text(v: TaskView) -> str:
    return texts.date_weekday_vn(v.due_date) if v.due_date else texts.NO_DUE


def left_text(v: TaskView) -> str:
    if v.progress == "done":
        return texts.STATUS[v.status]
    return texts.days_left(v.days_left)


def due_line(v: TaskView) -> str:
    """ "Thứ Hai, 30/11/2026 — còn 7 ngày", or just "không ghi hạn"."""
    return f"{due_text(v)} — {left_text(v)}" if v.due_date else texts.NO_DUE


def task_block(n: int, v: TaskView) -> str:
    lines = [texts.TASK_LINE.format(n=n, title=v.title, due=due_line(v), status=status_text(v))]
    if v.blocked and v.block_note and v.progress != "done":
        lines.append(texts.TASK_FLAG_BLOCKED.format(note=v.block_note))
    if v.extension_requested and v.extension_date and v.progress != "done":
        lines.append(texts.TASK_FLAG_EXTENSION.format(date=texts.date_vn(v.extension_date)))
    return "\n".join(lines)


def task_card(v: TaskView) -> str:
    text = texts.TASK_CARD.format(
        title=v.title, agency=v.agency_name, due=due_line(v), status=status_text(v)
    )
    if v.blocked and v.block_note and v.progress != "done":
        text += "\n" + texts.TASK_FLAG_BLOCKED.strip().format(note=v.block_note)
    if v.extension_requested and v.extension_date and v.progress != "done":
        text += "\n" + texts.TASK_FLAG_EXTENSION.strip().format(
            date=texts.date_vn(v.extension_date)
        )
    return text


def chunk(
    blocks: list[str], *, header: str, limit: int = MESSAGE_LIMIT, per_message: int | None = None
) -> list[list[int]]:
    """Group block indexes into messages that stay under the limit."""
    groups: list[list[int]] = []
    current: list[int] = []
    size = len(header)
    for i, block in enumerate(blocks):
        block_size = len(block) + 2
        full = per_message is not None and len(current) >= per_message
        if current and (size + block_size > limit or full):
            groups.append(current)
            current, size = [], len(header)
        current.append(i)
        size += block_size
    if current:
        groups.append(current)
    return groups


def task_list_messages(
    agency_name: str, views: list[TaskView]
) -> list[tuple[str, list[TaskView], int]]:
    """(text, tasks shown, first number) per message of the /viec list."""
    blocks = [task_block(i, v)[:3000] for i, v in enumerate(views, 1)]
    header = texts.TASKS_HEADER.format(agency=agency_name, count=len(views))
    out = []
    groups = chunk(blocks, header=header + texts.TASKS_LEGEND, per_message=TASKS_PER_MESSAGE)
    for part, group in enumerate(groups, 1):
        head = (
            header if part == 1 else texts.TASKS_HEADER_PART.format(agency=agency_name, part=part)
        )
        shown = [views[i] for i in group]
        out.append((list_message_text(head, shown, group[0] + 1), shown, group[0] + 1))
    return out


def list_message_text(head: str, views: list[TaskView], first: int) -> str:
    """A /viec message; `head` is kept as first written when the message is edited."""
    body = "\n\n".join(task_block(first + i, v)[:3000] for i, v in enumerate(views))
    return f"{head}\n{texts.TASKS_LEGEND}\n\n{body}"


def counts_icons(counts: Counter[str]) -> str:
    """ "🔴 2 · 🕒 18": the per-agency line of a summary, short enough for 500 agencies."""
    shown = [f"{texts.STATUS_ICON[s]} {counts[s]}" for s in STATUSES if counts.get(s)]
    return " · ".join(shown) if shown else texts.SUMMARY_NO_TASKS


def counts_text(counts: Counter[str]) -> str:
    shown = [f"{texts.STATUS[s]} {counts[s]}" for s in STATUSES if counts.get(s)]
    return ", ".join(shown) if shown else texts.SUMMARY_NO_TASKS


SUMMARY_NAMES_PER_AGENCY = 3  # the rest of a long list is one line pointing to /quahan


def _capped(lines: list[str], more: str, cap: int = SUMMARY_NAMES_PER_AGENCY) -> list[str]:
    if len(lines) <= cap:
        return lines
    return lines[:cap] + [more.format(count=len(lines) - cap)]


def summary_messages(summary: Summary, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Counts per agency, with the overdue tasks, obstacles and extension requests by name
    (the first few of each; /quahan lists every overdue task)."""
    if not summary.agencies:
        return [texts.SUMMARY_EMPTY]
    head = "\n".join(
        [
            texts.SUMMARY_HEADER.format(
                date=texts.date_vn(summary.date),
                agencies=len(summary.agencies),
                tasks=summary.task_count,
            ),
            texts.SUMMARY_TOTALS.format(counts=counts_text(summary.totals)),
            texts.SUMMARY_LEGEND,
        ]
    )
    blocks = []
    for a in summary.agencies:
        lines = [texts.SUMMARY_AGENCY.format(agency=a.name, counts=counts_icons(a.counts))]
        lines += _capped(
            [texts.SUMMARY_OVERDUE.format(title=t, due=texts.date_vn(d)) for t, d in a.overdue],
            texts.SUMMARY_MORE_OVERDUE,
        )
        lines += _capped(
            [texts.SUMMARY_BLOCKED.format(title=t, note=n) for t, n in a.blocked],
            texts.SUMMARY_MORE,
        )
        lines += _capped(
            [
                texts.SUMMARY_EXTENSION.format(title=t, date=texts.date_vn(d))
                for t, d in a.extensions
            ],
            texts.SUMMARY_MORE,
        )
        blocks.append("\n".join(line[:300] for line in lines))
    # One agency per line (its problems under it): a province's summary stays a few messages.
    return join_lines(blocks, head=head + "\n", limit=limit)


def activation_text(result: Activation) -> str:
    past = ""
    if result.reports_past:
        past = texts.PLAN_ACTIVATED_PAST.format(count=result.reports_past)
    if not result.changed:
        return texts.PLAN_ACTIVATED_SAME + past
    return (
        texts.PLAN_ACTIVATED.format(
            created=len(result.agencies_created),
            matched=len(result.agencies_matched),
            tasks=result.tasks_created,
            updated=result.tasks_updated,
            unchanged=result.tasks_unchanged,
            reports=result.reports_created,
        )
        + past
    )


def _reason(error: str) -> str:
    lowered = error.lower()
    if "blocked" in lowered:
        return texts.BROADCAST_REASON["blocked"]
    if "initiate" in lowered:
        return texts.BROADCAST_REASON["not_started"]
    if "chat not found" in lowered:
        return texts.BROADCAST_REASON["chat not found"]
    if "unreachable" in lowered:
        return texts.BROADCAST_REASON["unreachable"]
    return texts.BROADCAST_REASON_OTHER


def broadcast_report(report: Report) -> str:
    bc = report.broadcast
    lines = [
        texts.BROADCAST_REPORT.format(
            id=bc.id,
            date=texts.datetime_vn((bc.confirmed_at or bc.created_at).astimezone(VN_TZ)),
            delivered=len(report.delivered),
            total=report.total,
            acked=len(report.acknowledged),
        )
    ]
    if report.failed:
        lines.append(texts.BROADCAST_REPORT_FAILED.format(count=len(report.failed)))
        lines += [
            texts.BROADCAST_REPORT_FAILED_ROW.format(who=who, reason=_reason(err))
            for who, err in report.failed
        ]
    if report.uncertain:
        lines.append(texts.BROADCAST_REPORT_UNCERTAIN.format(count=len(report.uncertain)))
        lines += [
            texts.BROADCAST_REPORT_UNREACHABLE_ROW.format(who=who) for who in report.uncertain
        ]
    if report.unreachable:
        lines.append(texts.BROADCAST_REPORT_UNREACHABLE.format(count=len(report.unreachable)))
        lines += [
            texts.BROADCAST_REPORT_UNREACHABLE_ROW.format(
                who=f"{agency} — {who or texts.BROADCAST_NO_CONTACT}"
            )
            for agency, who in report.unreachable
        ]
    if report.acknowledged:
        lines.append(texts.BROADCAST_REPORT_ACKED.format(names=", ".join(report.acknowledged)))
    text = "\n".join(lines)
    return text if len(text) <= MESSAGE_LIMIT else text[: MESSAGE_LIMIT - 2] + "…"


def join_lines(lines: list[str], *, head: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Lines under a heading, split into messages below Telegram's limit."""
    messages: list[str] = []
    current = head
    for line in lines:
        line = line[: limit - 100]
        if len(current) + len(line) + 1 > limit:
            messages.append(current)
            current = texts.SUMMARY_CONTINUED
        current += "\n" + line
    messages.append(current)
    return messages


def export_labels() -> ExportLabels:
    """Every word of the Excel workbook, from this module's strings."""
    return ExportLabels(
        **texts.EXPORT_TEXTS,
        status=texts.STATUS,
        flag_blocked=texts.FLAG_BLOCKED,
        flag_extension=texts.FLAG_EXTENSION,
    )
