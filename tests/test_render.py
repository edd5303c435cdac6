"""What coordinators read: summaries stay readable and under Telegram's limit."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from bot import render, texts
from services.summary import AgencySummary, Summary


def test_summary_names_a_few_overdue_tasks_per_agency_and_points_to_quahan():
    agency = AgencySummary(
        agency_id=1,
        name="Sở Y tế",
        code="SYT",
        counts=Counter(overdue=5),
        overdue=[(f"Báo cáo {i}", dt.date(2026, 11, i + 1)) for i in range(5)],
    )
    [text] = render.summary_messages(Summary(date=dt.date(2026, 11, 23), agencies=[agency]))
    assert texts.SUMMARY_OVERDUE.format(title="Báo cáo 2", due="03/11/2026") in text
    assert "Báo cáo 3" not in text
    assert texts.SUMMARY_MORE_OVERDUE.format(count=2) in text


def test_summary_of_500_agencies_is_split_below_the_limit():
    agencies = [
        AgencySummary(
            agency_id=i,
            name=f"UBND xã số {i}",
            code=f"X{i}",
            counts=Counter(overdue=2, not_due=18),
            overdue=[("Báo cáo năm", dt.date(2026, 11, 15)), ("Báo cáo quý", dt.date(2026, 10, 1))],
        )
        for i in range(500)
    ]
    messages = render.summary_messages(Summary(date=dt.date(2026, 11, 23), agencies=agencies))
    assert all(len(m) <= 4096 for m in messages)
    assert sum(m.count("▪️") for m in messages) == 500
