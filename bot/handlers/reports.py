"""Coordinators' views: summaries, the overdue list, the silent, Excel and a chart."""

from __future__ import annotations

import asyncio
import io

from telegram import Update
from telegram.ext import ContextTypes

from bot import render, texts
from bot.handlers.common import coordinator_or_refuse, db_of
from services import chart, clock, export, summary


async def _is_coordinator(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    async with db_of(context).session() as session:
        return await coordinator_or_refuse(update, session) is not None


async def cmd_tonghop(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Summarise every agency, or one agency or saved group: counts, overdue, obstacles."""
    message = update.effective_message
    assert message is not None
    if not await _is_coordinator(update, context):
        return
    ref = " ".join(context.args or []).strip()
    async with db_of(context).session() as session:
        scope = await summary.resolve_scope(session, ref) if ref else None
        if ref and scope is None:
            await message.reply_text(texts.SUMMARY_FILTER_UNKNOWN.format(ref=ref[:100]))
            return
        result = await summary.summarize(session, agency_ids=scope)
    for text in render.summary_messages(result):
        await message.reply_text(text)


async def cmd_quahan(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """List every overdue task, oldest deadline first."""
    message = update.effective_message
    assert message is not None
    if not await _is_coordinator(update, context):
        return
    async with db_of(context).session() as session:
        rows = await summary.overdue(session)
    if not rows:
        await message.reply_text(texts.OVERDUE_NONE)
        return
    head = texts.OVERDUE_HEADER.format(date=texts.date_vn(clock.today_vn()), count=len(rows))
    lines = [
        texts.OVERDUE_ROW.format(agency=a, title=t, due=texts.date_vn(d), days=n)
        for a, t, d, n in rows
    ]
    for text in render.join_lines(lines, head=head):
        await message.reply_text(text)


async def cmd_chuatraloi(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Agencies that never answered, never pressed Start, or blocked the bot."""
    message = update.effective_message
    assert message is not None
    if not await _is_coordinator(update, context):
        return
    async with db_of(context).session() as session:
        quiet = await summary.silence(session)
    lines = [texts.SILENT_NEVER_ANSWERED.format(count=len(quiet.never_answered))]
    lines += [texts.SILENT_ROW.format(name=n) for n in quiet.never_answered] or [texts.SILENT_NONE]
    lines.append(texts.SILENT_NO_CONTACT.format(count=len(quiet.no_contact)))
    lines += [texts.SILENT_ROW.format(name=n) for n in quiet.no_contact] or [texts.SILENT_NONE]
    lines.append(texts.SILENT_BLOCKED.format(count=len(quiet.unreachable)))
    lines += [texts.SILENT_CONTACT_ROW.format(agency=a, who=p) for a, p in quiet.unreachable] or [
        texts.SILENT_NONE
    ]
    head = texts.SILENT_HEADER.format(date=texts.date_vn(clock.today_vn()))
    for text in render.join_lines(lines, head=head):
        await message.reply_text(text)


async def cmd_xuat(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send the Excel workbook: by agency, by task, and the history."""
    message = update.effective_message
    assert message is not None
    if not await _is_coordinator(update, context):
        return
    async with db_of(context).session() as session:
        data = await export.build_export(session, labels=render.export_labels())
    today = clock.today_vn()
    await message.reply_document(
        io.BytesIO(data),
        filename=texts.EXPORT_FILENAME.format(date=today.strftime("%Y%m%d")),
        caption=texts.EXPORT_CAPTION.format(date=texts.date_vn(today)),
    )


async def cmd_bieudo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send a PNG of completion by agency, stacked by status."""
    message = update.effective_message
    assert message is not None
    if not await _is_coordinator(update, context):
        return
    async with db_of(context).session() as session:
        result = await summary.summarize(session)
    today = texts.date_vn(clock.today_vn())
    png = await asyncio.to_thread(
        chart.completion_chart,
        chart.counts_from_summary(result),
        labels=texts.STATUS,
        title=texts.CHART_TITLE.format(date=today),
        texts=texts.CHART_TEXTS,
    )
    await message.reply_photo(io.BytesIO(png), caption=texts.CHART_CAPTION.format(date=today))
