"""Inline keyboards and their callback data (always under Telegram's 64 bytes)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import texts

ACTION_CODES = {"d": "done", "p": "progress", "b": "blocked", "e": "extend"}
_CODE_OF = {v: k for k, v in ACTION_CODES.items()}
_TASK_RE = re.compile(r"^t:(\d{1,12}):([dpbe])$")
_EXT_RE = re.compile(r"^x([aro]):(\d{1,12}):(\d{8})$")


@dataclass(frozen=True)
class TaskButton:
    task_id: int
    action: str


@dataclass(frozen=True)
class ExtensionButton:
    task_id: int
    decision: str  # approve | refuse | other
    date: dt.date


def task_data(task_id: int, action: str) -> str:
    return f"t:{task_id}:{_CODE_OF[action]}"


def parse_task_data(data: str) -> TaskButton | None:
    match = _TASK_RE.match(data or "")
    return TaskButton(int(match[1]), ACTION_CODES[match[2]]) if match else None


def parse_extension_data(data: str) -> ExtensionButton | None:
    match = _EXT_RE.match(data or "")
    if not match:
        return None
    try:
        date = dt.datetime.strptime(match[3], "%Y%m%d").date()
    except ValueError:
        return None
    decision = {"a": "approve", "r": "refuse", "o": "other"}[match[1]]
    return ExtensionButton(int(match[2]), decision, date)


def task_card_keyboard(task_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(texts.BTN_DONE, callback_data=task_data(task_id, "done")),
                InlineKeyboardButton(
                    texts.BTN_PROGRESS, callback_data=task_data(task_id, "progress")
                ),
            ],
            [
                InlineKeyboardButton(
                    texts.BTN_BLOCKED, callback_data=task_data(task_id, "blocked")
                ),
                InlineKeyboardButton(texts.BTN_EXTEND, callback_data=task_data(task_id, "extend")),
            ],
        ]
    )


def task_list_keyboard(task_ids: list[int], first: int) -> InlineKeyboardMarkup:
    rows = []
    for n, task_id in enumerate(task_ids, first):
        rows.append(
            [
                InlineKeyboardButton(
                    f"{n}. {texts.BTN_SHORT[action]}", callback_data=task_data(task_id, action)
                )
                for action in ("done", "progress", "blocked", "extend")
            ]
        )
    return InlineKeyboardMarkup(rows)


def extension_keyboard(task_id: int, date: dt.date) -> InlineKeyboardMarkup:
    stamp = date.strftime("%Y%m%d")
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    texts.BTN_APPROVE.format(date=texts.date_vn(date)),
                    callback_data=f"xa:{task_id}:{stamp}",
                )
            ],
            [
                InlineKeyboardButton(texts.BTN_REFUSE, callback_data=f"xr:{task_id}:{stamp}"),
                InlineKeyboardButton(texts.BTN_OTHER_DATE, callback_data=f"xo:{task_id}:{stamp}"),
            ],
        ]
    )


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
