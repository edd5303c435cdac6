"""Inline keyboards and their callback data (always under Telegram's 64 bytes).

Every button says what it does in words (an emoji may lead, never stand alone), and a
list longer than one screen pages with ◀ ▶ in place.

Callback data:
    t:<task>:<d|p|b|e>          a status button on a task card
    v:p:<page>                  a page of a /viec list (the tasks linked to the message)
    v:c:<task>:<page>           that list's task opened as a card, in place
    h:<held>:t<task>|p<page>|d<yyyymmdd>|o
                                an answer kept while the bot asks (which task, which date)
    x<a|r|o>:<task>:<yyyymmdd>  a coordinator's decision on an extension request
    s:p:<page>:<scope> / s:a:<agency>:<page>:<scope>
                                /tonghop pages and a body opened; scope "" or g<group>
    q:<page>                    /quahan pages
    f:<submission> / f:p:<page>:<scope>
                                /baocao: a file sent again; pages (scope a<id>|g<id>|t<id>)
    pl:<a|x>:<plan>, bc:<id>:<s|c|a|g<id>>, ack:<row>
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import texts

ACTION_CODES = {"d": "done", "p": "progress", "b": "blocked", "e": "extend"}
_CODE_OF = {v: k for k, v in ACTION_CODES.items()}
_TASK_RE = re.compile(r"^t:(\d{1,12}):([dpbe])$")
_EXT_RE = re.compile(r"^x([aro]):(\d{1,12}):(\d{8})$")
_LIST_RE = re.compile(r"^v:(?:p:(\d{1,4})|c:(\d{1,12}):(\d{1,4}))$")
_HELD_RE = re.compile(r"^h:(\d{1,12}):(?:t(\d{1,12})|p(\d{1,4})|d(\d{8})|(o))$")
_SUMMARY_RE = re.compile(r"^s:(?:p:(\d{1,4})|a:(\d{1,12}):(\d{1,4})):((?:g\d{1,12})?)$")
_OVERDUE_RE = re.compile(r"^q:(\d{1,4})$")
_FILES_RE = re.compile(r"^f:(?:(\d{1,12})|p:(\d{1,4}):((?:[agt]\d{1,12})?))$")


def _button(text: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=data)


def _nav(page: int, pages: int, data: str) -> list[InlineKeyboardButton]:
    """◀ ▶ for a paged list; `data` has "{page}" for the page to go to."""
    row = []
    if page > 0:
        row.append(_button(texts.BTN_PAGE_PREV, data.format(page=page - 1)))
    if page < pages - 1:
        row.append(_button(texts.BTN_PAGE_NEXT, data.format(page=page + 1)))
    return row


def _stamp(date: dt.date) -> str:
    return date.strftime("%Y%m%d")


def _date(stamp: str) -> dt.date | None:
    try:
        return dt.datetime.strptime(stamp, "%Y%m%d").date()
    except ValueError:
        return None


# --- task cards and lists ----------------------------------------------------------------


@dataclass(frozen=True)
class TaskButton:
    task_id: int
    action: str


def task_data(task_id: int, action: str) -> str:
    return f"t:{task_id}:{_CODE_OF[action]}"


def parse_task_data(data: str) -> TaskButton | None:
    match = _TASK_RE.match(data or "")
    return TaskButton(int(match[1]), ACTION_CODES[match[2]]) if match else None


def task_card_keyboard(
    task_id: int, *, back_page: int | None = None, standing: bool = False
) -> InlineKeyboardMarkup:
    """The four answers (a standing duty has no deadline to extend), and ◀ back to the
    list when the card was opened from one."""
    rows = [
        [
            _button(texts.BTN_DONE, task_data(task_id, "done")),
            _button(texts.BTN_PROGRESS, task_data(task_id, "progress")),
        ],
        [_button(texts.BTN_BLOCKED, task_data(task_id, "blocked"))],
    ]
    if not standing:
        rows[1].append(_button(texts.BTN_EXTEND, task_data(task_id, "extend")))
    if back_page is not None:
        rows.append([_button(texts.BTN_BACK_TO_LIST, f"v:p:{back_page}")])
    return InlineKeyboardMarkup(rows)


def card_task_of(markup: object) -> int | None:
    """The task a card shows, read from its buttons (a /viec message shows a list or,
    opened in place, one task's card)."""
    rows = getattr(markup, "inline_keyboard", None) or ()
    for row in rows:
        for button in row:
            found = parse_task_data(getattr(button, "callback_data", "") or "")
            if found is not None:
                return found.task_id
    return None


def back_page_of(markup: object) -> int | None:
    """The list page a card's ◀ goes back to, or None for a card of its own."""
    rows = getattr(markup, "inline_keyboard", None) or ()
    for row in rows:
        for button in row:
            match = _LIST_RE.match(getattr(button, "callback_data", "") or "")
            if match and match[1] is not None:
                return int(match[1])
    return None


def task_list_keyboard(
    shown: Sequence[tuple[int, int, str]], page: int, pages: int
) -> InlineKeyboardMarkup:
    """One button per task shown, (number, task id, label), opening its card in place."""
    rows = [[_button(label, f"v:c:{task_id}:{page}")] for _, task_id, label in shown]
    nav = _nav(page, pages, "v:p:{page}")
    if nav:
        rows.append(nav)
    return InlineKeyboardMarkup(rows)


@dataclass(frozen=True)
class ListButton:
    page: int
    task_id: int | None  # None: show the page; else open this task's card


def parse_list_data(data: str) -> ListButton | None:
    match = _LIST_RE.match(data or "")
    if not match:
        return None
    if match[1] is not None:
        return ListButton(int(match[1]), None)
    return ListButton(int(match[3]), int(match[2]))


# --- answers kept while the bot asks -------------------------------------------------------


@dataclass(frozen=True)
class HeldButton:
    held_id: int
    task_id: int | None = None
    page: int | None = None
    date: dt.date | None = None
    other_date: bool = False


def parse_held_data(data: str) -> HeldButton | None:
    match = _HELD_RE.match(data or "")
    if not match:
        return None
    held = int(match[1])
    if match[2]:
        return HeldButton(held, task_id=int(match[2]))
    if match[3]:
        return HeldButton(held, page=int(match[3]))
    if match[4]:
        date = _date(match[4])
        return HeldButton(held, date=date) if date else None
    return HeldButton(held, other_date=True)


def which_task_keyboard(
    held_id: int, shown: Sequence[tuple[int, int, str]], page: int, pages: int
) -> InlineKeyboardMarkup:
    rows = [[_button(label, f"h:{held_id}:t{task_id}")] for _, task_id, label in shown]
    nav = _nav(page, pages, f"h:{held_id}:p{{page}}")
    if nav:
        rows.append(nav)
    return InlineKeyboardMarkup(rows)


def which_date_keyboard(held_id: int, suggested: dt.date | None) -> InlineKeyboardMarkup:
    rows = []
    if suggested is not None:
        rows.append(
            [
                _button(
                    texts.BTN_DATE_YES.format(date=texts.date_vn(suggested)),
                    f"h:{held_id}:d{_stamp(suggested)}",
                )
            ]
        )
    rows.append([_button(texts.BTN_DATE_OTHER, f"h:{held_id}:o")])
    return InlineKeyboardMarkup(rows)


# --- coordinators ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExtensionButton:
    task_id: int
    decision: str  # approve | refuse | other
    date: dt.date


def parse_extension_data(data: str) -> ExtensionButton | None:
    match = _EXT_RE.match(data or "")
    if not match:
        return None
    date = _date(match[3])
    if date is None:
        return None
    decision = {"a": "approve", "r": "refuse", "o": "other"}[match[1]]
    return ExtensionButton(int(match[2]), decision, date)


def extension_keyboard(task_id: int, date: dt.date) -> InlineKeyboardMarkup:
    stamp = _stamp(date)
    return InlineKeyboardMarkup(
        [
            [_button(texts.BTN_APPROVE.format(date=texts.date_vn(date)), f"xa:{task_id}:{stamp}")],
            [
                _button(texts.BTN_REFUSE, f"xr:{task_id}:{stamp}"),
                _button(texts.BTN_OTHER_DATE, f"xo:{task_id}:{stamp}"),
            ],
        ]
    )


@dataclass(frozen=True)
class SummaryButton:
    page: int
    agency_id: int | None  # None: the page of bodies; else this body's detail
    group_id: int | None  # the saved group the summary is about, if any


def parse_summary_data(data: str) -> SummaryButton | None:
    match = _SUMMARY_RE.match(data or "")
    if not match:
        return None
    group = int(match[4][1:]) if match[4] else None
    if match[1] is not None:
        return SummaryButton(int(match[1]), None, group)
    return SummaryButton(int(match[3]), int(match[2]), group)


def _scope(group_id: int | None) -> str:
    return f"g{group_id}" if group_id is not None else ""


def summary_keyboard(
    shown: Sequence[tuple[int, int, str]], page: int, pages: int, group_id: int | None = None
) -> InlineKeyboardMarkup | None:
    """A button per body listed, (number, agency id, name), and ◀ ▶ between pages."""
    scope = _scope(group_id)
    labels = [
        _button(texts.BTN_AGENCY.format(n=n, name=name), f"s:a:{agency_id}:{page}:{scope}")
        for n, agency_id, name in shown
    ]
    rows = [labels[i : i + 2] for i in range(0, len(labels), 2)]
    nav = _nav(page, pages, f"s:p:{{page}}:{scope}")
    if nav:
        rows.append(nav)
    return InlineKeyboardMarkup(rows) if rows else None


def summary_back_keyboard(page: int, group_id: int | None = None) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[_button(texts.BTN_BACK_TO_SUMMARY, f"s:p:{page}:{_scope(group_id)}")]]
    )


def overdue_keyboard(page: int, pages: int) -> InlineKeyboardMarkup | None:
    nav = _nav(page, pages, "q:{page}")
    return InlineKeyboardMarkup([nav]) if nav else None


def parse_overdue_data(data: str) -> int | None:
    match = _OVERDUE_RE.match(data or "")
    return int(match[1]) if match else None


@dataclass(frozen=True)
class FilesButton:
    submission_id: int | None  # send this file again
    page: int = 0
    scope: str = ""  # a<agency> | g<group> | t<task> | ""


def parse_files_data(data: str) -> FilesButton | None:
    match = _FILES_RE.match(data or "")
    if not match:
        return None
    if match[1] is not None:
        return FilesButton(int(match[1]))
    return FilesButton(None, int(match[2]), match[3] or "")


def files_keyboard(
    shown: Sequence[tuple[int, int]], page: int, pages: int, scope: str
) -> InlineKeyboardMarkup | None:
    """A "send again" button per file listed, (number, submission id), and ◀ ▶."""
    labels = [_button(texts.BTN_RESEND_FILE.format(n=n), f"f:{sid}") for n, sid in shown]
    rows = [labels[i : i + 2] for i in range(0, len(labels), 2)]
    nav = _nav(page, pages, f"f:p:{{page}}:{scope}")
    if nav:
        rows.append(nav)
    return InlineKeyboardMarkup(rows) if rows else None


# --- keeping keyboards in the outbox ---------------------------------------------------------


def markup_to_json(markup: InlineKeyboardMarkup | None) -> list | None:
    """Rows of [label, data], for keeping a keyboard in the outbox."""
    if markup is None:
        return None
    return [[[b.text, b.callback_data] for b in row] for row in markup.inline_keyboard]


def markup_from_json(rows: list | None) -> InlineKeyboardMarkup | None:
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(t, callback_data=d) for t, d in row] for row in rows]
    )


# --- plans -------------------------------------------------------------------------------------

_PLAN_RE = re.compile(r"^pl:([aAxe]):(\d{1,12})$")
_PLAN_ACTIONS = {"a": "activate", "A": "activate_all", "x": "discard", "e": "edit"}


def plan_keyboard(plan_id: int, past: bool = False) -> InlineKeyboardMarkup:
    """Under a draft's review: activate (with or without deadlines already past), mend,
    discard."""
    first = (
        [
            InlineKeyboardButton(texts.BTN_ACTIVATE_FUTURE, callback_data=f"pl:a:{plan_id}"),
            InlineKeyboardButton(texts.BTN_ACTIVATE_ALL, callback_data=f"pl:A:{plan_id}"),
        ]
        if past
        else [InlineKeyboardButton(texts.BTN_ACTIVATE, callback_data=f"pl:a:{plan_id}")]
    )
    return InlineKeyboardMarkup(
        [
            first,
            [
                InlineKeyboardButton(texts.BTN_EDIT_DRAFT, callback_data=f"pl:e:{plan_id}"),
                InlineKeyboardButton(texts.BTN_DISCARD, callback_data=f"pl:x:{plan_id}"),
            ],
        ]
    )


def parse_plan_data(data: str) -> tuple[str, int] | None:
    match = _PLAN_RE.match(data or "")
    return (_PLAN_ACTIONS[match[1]], int(match[2])) if match else None


# --- broadcasts --------------------------------------------------------------------------------


def broadcast_keyboard(
    broadcast_id: int, *, everyone: int, groups: Sequence[tuple[int, str]], target: str
) -> InlineKeyboardMarkup:
    """Where to send (the chosen one marked ✓; agencies typed by code are named in the
    preview itself), then Send and Cancel."""

    def mark(label: str, chosen: bool) -> str:
        return texts.BTN_TARGET_CHOSEN.format(label=label) if chosen else label

    targets = [
        _button(
            mark(texts.BTN_TARGET_ALL.format(count=everyone), target == "all"),
            f"bc:{broadcast_id}:a",
        )
    ]
    targets += [
        _button(
            mark(texts.BTN_TARGET_GROUP.format(name=name[:30]), target == f"group:{gid}"),
            f"bc:{broadcast_id}:g{gid}",
        )
        for gid, name in groups[:6]
    ]
    rows = [targets[i : i + 2] for i in range(0, len(targets), 2)]
    rows.append(
        [
            _button(texts.BTN_SEND, f"bc:{broadcast_id}:s"),
            _button(texts.BTN_CANCEL, f"bc:{broadcast_id}:c"),
        ]
    )
    return InlineKeyboardMarkup(rows)


# --- contacts (/canbo) and leaving (/roi) ------------------------------------------------
# cb:<contact id>:<op>; a lower-case op asks, its upper case confirms, x cancels.
CONTACT_OPS = {"r": "remove", "g": "grant", "v": "revoke", "x": "cancel"}
_CONTACT_RE = re.compile(r"^cb:(\d{1,12}):([rgvxRGV])$")


@dataclass(frozen=True)
class ContactButton:
    contact_id: int
    op: str  # remove | grant | revoke | cancel
    confirmed: bool


def parse_contact_data(data: str) -> ContactButton | None:
    match = _CONTACT_RE.match(data or "")
    if not match:
        return None
    code = match[2]
    return ContactButton(int(match[1]), CONTACT_OPS[code.lower()], code.isupper())


def contacts_keyboard(shown: list[tuple[int, Any]]) -> InlineKeyboardMarkup | None:
    """Per contact shown: remove, and grant or revoke the coordinator role."""
    rows = []
    for n, contact in shown:
        role = (
            InlineKeyboardButton(
                texts.BTN_CONTACT_REVOKE.format(n=n), callback_data=f"cb:{contact.id}:v"
            )
            if contact.role == "coordinator"
            else InlineKeyboardButton(
                texts.BTN_CONTACT_GRANT.format(n=n), callback_data=f"cb:{contact.id}:g"
            )
        )
        rows.append(
            [
                InlineKeyboardButton(
                    texts.BTN_CONTACT_REMOVE.format(n=n), callback_data=f"cb:{contact.id}:r"
                ),
                role,
            ]
        )
    return InlineKeyboardMarkup(rows) if rows else None


def contact_confirm_keyboard(contact_id: int, op: str) -> InlineKeyboardMarkup:
    code = {v: k for k, v in CONTACT_OPS.items()}[op].upper()
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(texts.BTN_CONFIRM, callback_data=f"cb:{contact_id}:{code}"),
                InlineKeyboardButton(texts.BTN_CANCEL, callback_data=f"cb:{contact_id}:x"),
            ]
        ]
    )


def leave_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(texts.BTN_LEAVE, callback_data="lv:y"),
                InlineKeyboardButton(texts.BTN_STAY, callback_data="lv:n"),
            ]
        ]
    )
