"""What coordinators read: summaries stay on one screen, whatever the province's size."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from bot import render, texts
from services.summary import AgencySummary, Summary

TODAY = dt.date(2026, 11, 23)


def test_a_body_names_a_few_overdue_tasks_and_points_to_quahan():
    agency = AgencySummary(
        agency_id=1,
        name="Sở Y tế",
        code="SYT",
        counts=Counter(overdue=6),
        overdue=[(f"Báo cáo {i}", dt.date(2026, 11, i + 1)) for i in range(6)],
    )
    text = render.agency_detail(agency, TODAY)
    assert texts.SUMMARY_OVERDUE.format(title="Báo cáo 3", due="04/11/2026", days=19) in text
    assert "Báo cáo 4" not in text
    assert texts.SUMMARY_MORE_OVERDUE.format(count=2) in text


def test_summary_of_500_bodies_is_one_message_most_behind_first():
    agencies = [
        AgencySummary(
            agency_id=i,
            name=f"UBND xã số {i}",
            code=f"X{i}",
            counts=Counter(overdue=i % 3, not_due=18, standing=5),
            overdue=[("Báo cáo năm", dt.date(2026, 11, 15))] * (i % 3),
        )
        for i in range(500)
    ]
    summary = Summary(date=TODAY, agencies=agencies)
    [message] = render.summary_messages(summary)
    assert len(message) <= render.MESSAGE_LIMIT
    page = render.summary_page(summary)
    assert page.pages == 50 and len(page.shown) == render.BODIES_PER_PAGE
    assert all(a.counts["overdue"] == 2 for _, a in page.shown)  # the most behind first
    assert texts.SUMMARY_STANDING.format(count=2500, done=0, open=2500) in message


def test_a_deadline_is_written_once():
    title = "Báo cáo năm (hạn 10/11/2025)"
    assert render.title_of(title, dt.date(2025, 11, 10), 100) == "Báo cáo năm"
    assert render.title_of(title, dt.date(2026, 1, 20), 100) == "Báo cáo năm"  # extended
    assert render.title_of(title, None, 100) == title


def test_a_popup_is_cut_at_a_word_with_an_ellipsis():
    text = "Đã ghi nhận hoàn thành: " + "tuyên truyền phòng chống xâm hại trẻ em " * 20
    shown = render.popup(text)
    assert len(shown) < 200 and shown.endswith("…")
    assert text.startswith(shown[:-1]) and text[len(shown) - 1] == " "
