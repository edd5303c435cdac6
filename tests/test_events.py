"""The seasonal calendar. Expected dates worked out by hand with a calendar."""

from __future__ import annotations

import datetime as dt
import unicodedata

import pytest

from services.events import SeasonalEvent, event_notice_dates, is_children_forum, seasonal_events

D = dt.date


def by_key(events: list[SeasonalEvent]) -> dict[str, SeasonalEvent]:
    return {e.key: e for e in events}


def test_events_2026() -> None:
    events = seasonal_events(2026)
    assert [(e.key, e.start, e.end, e.kind) for e in events] == [
        ("action_month_plan", D(2026, 5, 10), D(2026, 5, 10), "report"),
        ("action_month_launch", D(2026, 5, 25), D(2026, 6, 1), "event"),
        ("action_month", D(2026, 6, 1), D(2026, 6, 30), "event"),
        ("children_day", D(2026, 6, 1), D(2026, 6, 1), "event"),
        ("summer_start", D(2026, 6, 1), D(2026, 8, 31), "event"),
        ("family_day", D(2026, 6, 28), D(2026, 6, 28), "event"),
        ("action_month_report", D(2026, 7, 20), D(2026, 7, 20), "report"),
        ("school_day", D(2026, 9, 5), D(2026, 9, 5), "event"),
        ("mid_autumn", D(2026, 9, 25), D(2026, 9, 25), "event"),
        ("world_children_day", D(2026, 11, 20), D(2026, 11, 20), "event"),
    ]
    keyed = by_key(events)
    assert keyed["mid_autumn"].lunar == (8, 15)
    assert all(e.lunar is None for e in events if e.key != "mid_autumn")
    assert keyed["children_day"].lead_days == (30, 14, 7, 0)
    assert keyed["action_month_report"].lead_days == (14, 7, 3, 0)
    assert keyed["action_month_report"].parent == "action_month"
    assert keyed["action_month_plan"].parent == "action_month"


def test_names_are_vietnamese() -> None:
    names = {e.key: e.name for e in seasonal_events(2026, D(2026, 8, 15))}
    assert names["action_month"] == "Tháng hành động vì trẻ em"
    assert names["children_day"] == "Ngày Quốc tế thiếu nhi"
    assert names["mid_autumn"] == "Tết Trung thu"
    assert names["children_forum"] == "Diễn đàn trẻ em"
    assert names["family_day"] == "Ngày Gia đình Việt Nam"
    assert names["school_day"] == "Ngày toàn dân đưa trẻ đến trường"
    assert names["summer_start"] == "Khai mạc hoạt động hè"
    assert names["world_children_day"] == "Ngày Thế giới vì trẻ em"
    for name in names.values():
        assert unicodedata.normalize("NFC", name) == name


@pytest.mark.parametrize(
    ("year", "mid_autumn"),
    [
        (2025, D(2025, 10, 6)),
        (2026, D(2026, 9, 25)),
        (2034, D(2034, 9, 26)),  # 27/09 in China
    ],
)
def test_mid_autumn_follows_vietnamese_lunar_calendar(year: int, mid_autumn: dt.date) -> None:
    assert by_key(seasonal_events(year))["mid_autumn"].start == mid_autumn


def test_forum_and_its_report() -> None:
    keyed = by_key(seasonal_events(2026, forum_date=D(2026, 8, 15)))
    forum, report = keyed["children_forum"], keyed["forum_report"]
    assert (forum.start, forum.end, forum.kind) == (D(2026, 8, 15), D(2026, 8, 15), "event")
    assert (report.start, report.end, report.kind) == (D(2026, 8, 30), D(2026, 8, 30), "report")
    assert report.parent == "children_forum"
    assert "children_forum" not in by_key(seasonal_events(2026))
    with pytest.raises(ValueError):
        seasonal_events(2026, forum_date=D(2027, 1, 10))


@pytest.mark.parametrize(
    ("level", "due"),
    [("commune", D(2026, 7, 10)), ("province", D(2026, 7, 20)), ("ministry", D(2026, 7, 31))],
)
def test_action_month_report_level(level: str, due: dt.date) -> None:
    report = by_key(seasonal_events(2026, report_level=level))["action_month_report"]  # type: ignore[arg-type]
    assert report.end == due
    with pytest.raises(ValueError):
        seasonal_events(2026, report_level="district")  # type: ignore[arg-type]


def test_lead_days_override_applies_to_events_only() -> None:
    keyed = by_key(seasonal_events(2026, lead_days=[0, 14, 14]))
    assert keyed["children_day"].lead_days == (14, 0)
    assert keyed["action_month_report"].lead_days == (14, 7, 3, 0)


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        # Fri 25/09/2026: all working days.
        ("mid_autumn", [D(2026, 8, 26), D(2026, 9, 11), D(2026, 9, 18), D(2026, 9, 25)]),
        # Mon 01/06/2026: 30 days before is Sat 02/05 -> past 1/5 and 30/4 -> Wed 29/04.
        ("children_day", [D(2026, 4, 29), D(2026, 5, 18), D(2026, 5, 25), D(2026, 6, 1)]),
        # Sat 05/09/2026: 14 days before is Sat 22/08, a swapped working day, so it stays;
        # 7 days before Sat 29/08 -> Fri 28/08; the day itself -> Fri 04/09.
        ("school_day", [D(2026, 8, 6), D(2026, 8, 22), D(2026, 8, 28), D(2026, 9, 4)]),
        ("world_children_day", [D(2026, 10, 21), D(2026, 11, 6), D(2026, 11, 13), D(2026, 11, 20)]),
        # Report due Mon 20/07/2026, leads 14, 7, 3, 0.
        ("action_month_report", [D(2026, 7, 6), D(2026, 7, 13), D(2026, 7, 17), D(2026, 7, 20)]),
        # Plan due Sun 10/05/2026: Sun 26/04 -> Fri 24/04; Sun 03/05 -> Wed 29/04;
        # Thu 07/05; Sun 10/05 -> Fri 08/05.
        ("action_month_plan", [D(2026, 4, 24), D(2026, 4, 29), D(2026, 5, 7), D(2026, 5, 8)]),
    ],
)
def test_event_notice_dates_2026(key: str, expected: list[dt.date]) -> None:
    event = by_key(seasonal_events(2026))[key]
    assert event_notice_dates(event) == expected


def test_event_notice_dates_calendar_days() -> None:
    event = by_key(seasonal_events(2026))["children_day"]
    assert event_notice_dates(event, None, workdays_only=False) == [
        D(2026, 5, 2),
        D(2026, 5, 18),
        D(2026, 5, 25),
        D(2026, 6, 1),
    ]


def test_event_notice_dates_merge_duplicates() -> None:
    # Children's Day 2025 is a Sunday: 2 days before (Fri 30/05), 1 day before (Sat) and the
    # day itself all give Friday 30/05/2025.
    event = by_key(seasonal_events(2025))["children_day"]
    assert event.start == D(2025, 6, 1)
    assert event_notice_dates(event, (2, 1, 0)) == [D(2025, 5, 30)]
    with pytest.raises(ValueError):
        event_notice_dates(event, (7, -1))


@pytest.mark.parametrize(
    ("name", "forum"),
    [
        ("Diễn đàn trẻ em tỉnh năm 2027", True),
        ("DIỄN ĐÀN TRẺ EM", True),
        ("dien dan tre em cap huyen", True),
        ("Diễn  đàn trẻ em", True),
        ("Hội nghị tập huấn công tác trẻ em", False),
        ("Tết Trung thu", False),
        ("Diễn tập phòng cháy", False),
    ],
)
def test_which_events_are_a_childrens_forum(name: str, forum: bool) -> None:
    assert is_children_forum(name) is forum
