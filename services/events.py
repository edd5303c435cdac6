"""The seasonal calendar of child-protection work for one year (see shared/DOMAIN.md).

Pure functions: the year (and the forum's date, when one is planned) in, dated entries out.
Event names are domain data and live here, in Vietnamese; every other sentence a user
reads belongs to the UI.

Entries of ``seasonal_events(year)``, with the defaults chosen (``kind="event"`` is
something that happens; ``kind="report"`` is a document to issue or send, due on ``end``,
with ``start == end``):

=====================  =============================================  ===================
key                    name                                           dates
=====================  =============================================  ===================
action_month_plan      Ban hành kế hoạch Tháng hành động vì trẻ em    report, 10/05 (the
                                                                      plan is issued in
                                                                      early May)
action_month_launch    Lễ phát động Tháng hành động vì trẻ em         25/05-01/06 (the
                                                                      last week of May
                                                                      or 1/6)
action_month           Tháng hành động vì trẻ em                      01/06-30/06
children_day           Ngày Quốc tế thiếu nhi                         01/06
summer_start           Khai mạc hoạt động hè                          01/06-31/08 (opens
                                                                      1/6; the summer
                                                                      activities run
                                                                      June to August)
family_day             Ngày Gia đình Việt Nam                         28/06
action_month_report    Báo cáo kết quả Tháng hành động vì trẻ em      report, 20/07 by
                                                                      default (10/07 for
                                                                      a commune, 31/07
                                                                      province to
                                                                      ministry)
school_day             Ngày toàn dân đưa trẻ đến trường               05/09
mid_autumn             Tết Trung thu                                  15/8 lunar (UTC+7)
world_children_day     Ngày Thế giới vì trẻ em                        20/11
children_forum         Diễn đàn trẻ em                                only with
                                                                      ``forum_date``
forum_report           Báo cáo kết quả Diễn đàn trẻ em                report, forum + 15
                                                                      calendar days
=====================  =============================================  ===================

Lead days (days before ``start`` to give notice): ``(30, 14, 7, 0)`` for events (or the
``lead_days`` argument, e.g. from ``Settings.event_lead_days``), ``(14, 7, 3, 0)`` for
reports. Entries come sorted by start date, then key.

``event_notice_dates(event, lead_days=None, workdays_only=True)``: for each lead ``L``,
``event.start - L`` calendar days; with ``workdays_only`` a day off becomes the previous
working day (also for ``L = 0``: an event on a Sunday is announced on the Friday before).
Duplicates are merged; the result is sorted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from services.names import strip_diacritics
from services.vncalendar import is_workday, lunar_to_solar, prev_workday

__all__ = [
    "ACTION_MONTH_REPORT_DUE",
    "DEFAULT_EVENT_LEAD_DAYS",
    "DEFAULT_REPORT_LEAD_DAYS",
    "EVENT_NAMES",
    "FORUM_REPORT_WITHIN_DAYS",
    "EventKind",
    "ReportLevel",
    "SeasonalEvent",
    "event_notice_dates",
    "seasonal_events",
]

EventKind = Literal["event", "report"]
ReportLevel = Literal["commune", "province", "ministry"]

DEFAULT_EVENT_LEAD_DAYS: tuple[int, ...] = (30, 14, 7, 0)
DEFAULT_REPORT_LEAD_DAYS: tuple[int, ...] = (14, 7, 3, 0)

# Tháng hành động results report, (month, day) by level: communes report by 10/7, districts
# and provinces (their departments) by 20/7, the province to the ministry by 31/7.
ACTION_MONTH_REPORT_DUE: dict[str, tuple[int, int]] = {
    "commune": (7, 10),
    "province": (7, 20),
    "ministry": (7, 31),
}
ACTION_MONTH_PLAN_DUE = (5, 10)
ACTION_MONTH_LAUNCH = ((5, 25), (6, 1))
FORUM_REPORT_WITHIN_DAYS = 15
MID_AUTUMN_LUNAR = (8, 15)

EVENT_NAMES: dict[str, str] = {
    "action_month_plan": "Ban hành kế hoạch Tháng hành động vì trẻ em",
    "action_month_launch": "Lễ phát động Tháng hành động vì trẻ em",
    "action_month": "Tháng hành động vì trẻ em",
    "children_day": "Ngày Quốc tế thiếu nhi",
    "summer_start": "Khai mạc hoạt động hè",
    "family_day": "Ngày Gia đình Việt Nam",
    "action_month_report": "Báo cáo kết quả Tháng hành động vì trẻ em",
    "school_day": "Ngày toàn dân đưa trẻ đến trường",
    "mid_autumn": "Tết Trung thu",
    "world_children_day": "Ngày Thế giới vì trẻ em",
    "children_forum": "Diễn đàn trẻ em",
    "forum_report": "Báo cáo kết quả Diễn đàn trẻ em",
}


def is_children_forum(name: str) -> bool:
    """Whether an event a coordinator names is a children's forum ("Diễn đàn trẻ em",
    "dien dan tre em cap tinh"): it then gets its report deadline FORUM_REPORT_WITHIN_DAYS
    later. These are the words of the plans (../shared/seeds), not text shown to anyone."""
    return "dien dan" in " ".join(strip_diacritics(name).casefold().split())


@dataclass(frozen=True, slots=True)
class SeasonalEvent:
    """One dated entry of the seasonal calendar.

    ``key``: stable English identifier. ``name``: Vietnamese. ``start``/``end``: first and
    last day (inclusive; equal for one-day events and for reports, whose due date is
    ``end``). ``lunar``: (month, day) of the lunar calendar the date follows, else None.
    ``lead_days``: days before ``start`` to give notice. ``parent``: key of the event a
    plan/report belongs to (e.g. "action_month"), else None.
    """

    key: str
    name: str
    start: dt.date
    end: dt.date
    lunar: tuple[int, int] | None = None
    lead_days: tuple[int, ...] = DEFAULT_EVENT_LEAD_DAYS
    kind: EventKind = "event"
    parent: str | None = None

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"{self.key}: end {self.end} is before start {self.start}")


def seasonal_events(
    year: int,
    forum_date: dt.date | None = None,
    *,
    lead_days: Sequence[int] | None = None,
    report_level: ReportLevel = "province",
) -> list[SeasonalEvent]:
    """The seasonal events and their reports for ``year``, sorted by start date then key.

    ``forum_date``: the day of the children's forum, if one is held that year (it must be
    in ``year``); adds the forum and its report 15 days later. ``lead_days``: notice days
    for the events (not the reports), default ``(30, 14, 7, 0)``. ``report_level``: whose
    Tháng hành động report deadline to use: "commune" 10/7, "province" 20/7 (default),
    "ministry" 31/7.
    """
    if report_level not in ACTION_MONTH_REPORT_DUE:
        raise ValueError(f"unknown report_level {report_level!r}")
    if forum_date is not None and forum_date.year != year:
        raise ValueError(f"forum_date {forum_date} is not in {year}")
    leads = DEFAULT_EVENT_LEAD_DAYS if lead_days is None else _leads(lead_days)

    def day(month: int, dom: int) -> dt.date:
        return dt.date(year, month, dom)

    def event(
        key: str,
        start: dt.date,
        end: dt.date | None = None,
        *,
        lunar: tuple[int, int] | None = None,
        parent: str | None = None,
    ) -> SeasonalEvent:
        return SeasonalEvent(
            key=key,
            name=EVENT_NAMES[key],
            start=start,
            end=end or start,
            lunar=lunar,
            lead_days=leads,
            parent=parent,
        )

    def report(key: str, due: dt.date, parent: str) -> SeasonalEvent:
        return SeasonalEvent(
            key=key,
            name=EVENT_NAMES[key],
            start=due,
            end=due,
            lead_days=DEFAULT_REPORT_LEAD_DAYS,
            kind="report",
            parent=parent,
        )

    mid_autumn = lunar_to_solar(year, *MID_AUTUMN_LUNAR)
    events = [
        report("action_month_plan", day(*ACTION_MONTH_PLAN_DUE), "action_month"),
        event(
            "action_month_launch",
            day(*ACTION_MONTH_LAUNCH[0]),
            day(*ACTION_MONTH_LAUNCH[1]),
            parent="action_month",
        ),
        event("action_month", day(6, 1), day(6, 30)),
        event("children_day", day(6, 1)),
        event("summer_start", day(6, 1), day(8, 31)),
        event("family_day", day(6, 28)),
        report("action_month_report", day(*ACTION_MONTH_REPORT_DUE[report_level]), "action_month"),
        event("school_day", day(9, 5)),
        event("mid_autumn", mid_autumn, lunar=MID_AUTUMN_LUNAR),
        event("world_children_day", day(11, 20)),
    ]
    if forum_date is not None:
        events.append(event("children_forum", forum_date))
        events.append(
            report(
                "forum_report",
                forum_date + dt.timedelta(days=FORUM_REPORT_WITHIN_DAYS),
                "children_forum",
            )
        )
    events.sort(key=lambda e: (e.start, e.key))
    return events


def event_notice_dates(
    event: SeasonalEvent,
    lead_days: Sequence[int] | None = None,
    workdays_only: bool = True,
) -> list[dt.date]:
    """The days to give notice of ``event``: ``lead_days`` (default ``event.lead_days``)
    calendar days before its start, each moved to the previous working day when it falls
    on a day off (if ``workdays_only``); sorted, without duplicates."""
    leads = event.lead_days if lead_days is None else _leads(lead_days)
    days: set[dt.date] = set()
    for lead in leads:
        d = event.start - dt.timedelta(days=lead)
        if workdays_only and not is_workday(d):
            d = prev_workday(d)
        days.add(d)
    return sorted(days)


def _leads(values: Sequence[int]) -> tuple[int, ...]:
    leads = tuple(sorted({int(v) for v in values}, reverse=True))
    if any(v < 0 for v in leads):
        raise ValueError(f"lead days must be >= 0, got {values!r}")
    return leads
