"""Coordinators' views: summaries, the overdue list, the silent, Excel and a chart."""

from __future__ import annotations

import io
from functools import partial
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardMarkup, Message, Update
from telegram.ext import ContextTypes

from bot import keyboards, render, texts
from bot.handlers.common import answer_and_edit, as_coordinator, db_of, together
from services import broadcasts, chart, clock, export, reportfiles, summary, workers
from services.agencies import find_agency
from services.errors import DomainError

View = tuple[str, InlineKeyboardMarkup | None]

# The reports' reads (and their rendering, the workbook, the chart) run in the worker
# process (services/workers.py), once `as_coordinator` has let the sender through: so the
# functions they run are module-level, and return text, keyboards or bytes.


async def _allowed(session: AsyncSession, _: object) -> bool:
    return True


async def _apart(update: Update, context: ContextTypes.DEFAULT_TYPE, fn: Any) -> Any:
    """`fn(session)` off the event loop if the sender is a coordinator; None if not."""
    if await as_coordinator(update, context, _allowed) is None:
        return None
    return await workers.read_apart(db_of(context), fn)


async def _summary_view(
    session: AsyncSession, *, page: int, agency_id: int | None, group_id: int | None
) -> View:
    """A page of /tonghop, or one body of it, with its buttons."""
    scope_ids = await broadcasts.agency_ids_for(session, f"group:{group_id}") if group_id else None
    if agency_id is not None:
        result = await summary.summarize(session, agency_ids=[agency_id])
        if not result.agencies:
            raise DomainError("agency_unknown", ref=str(agency_id))
        text = render.agency_detail(result.agencies[0], result.date)
        return text, keyboards.summary_back_keyboard(page, group_id)
    result = await summary.summarize(session, agency_ids=scope_ids)
    scope = (await broadcasts.group_name(session, group_id)) if group_id else None
    shown = render.summary_page(result, page, scope=scope)
    markup = keyboards.summary_keyboard(
        [(n, a.agency_id, render.clip(a.name, render.TITLE_ON_BUTTON)) for n, a in shown.shown],
        shown.page,
        shown.pages,
        group_id,
    )
    return shown.text, markup


async def cmd_tonghop(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """One message: totals, then the bodies most behind, with buttons to open each; or
    one body (/tonghop SYT), or a saved group (/tonghop Các sở)."""
    message = update.effective_message
    assert message is not None
    ref = " ".join(context.args or []).strip()
    shown = await _apart(update, context, partial(_tonghop_view, ref=ref))
    if shown is not None:
        await message.reply_text(shown[0], reply_markup=shown[1])


async def _tonghop_view(session: AsyncSession, *, ref: str) -> View:
    agency_id = group_id = None
    if ref:
        agency = await find_agency(session, ref)
        group = None if agency is not None else await broadcasts.find_group(session, ref)
        if agency is None and group is None:
            return texts.SUMMARY_FILTER_UNKNOWN.format(ref=render.clip(ref, 100)), None
        agency_id = agency.id if agency is not None else None
        group_id = group.id if group is not None else None
    return await _summary_view(session, page=0, agency_id=agency_id, group_id=group_id)


async def _summary_page(
    session: AsyncSession, *, page: int, agency_id: int | None, group_id: int | None
) -> View | str:
    try:
        return await _summary_view(session, page=page, agency_id=agency_id, group_id=group_id)
    except DomainError:
        return texts.STALE_BUTTON


async def on_summary_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Open a body of the summary, go back, or turn its page, in place."""
    query = update.callback_query
    assert query is not None
    button = keyboards.parse_summary_data(query.data or "")
    message = query.message if isinstance(query.message, Message) else None
    if button is None or message is None:
        await query.answer(texts.BAD_BUTTON, show_alert=True)
        return
    shown = await _apart(
        update,
        context,
        partial(
            _summary_page, page=button.page, agency_id=button.agency_id, group_id=button.group_id
        ),
    )
    if isinstance(shown, str):
        await query.answer(render.popup(shown), show_alert=True)
    elif shown is not None:
        await answer_and_edit(query, message, shown[0], reply_markup=shown[1])


async def _overdue_view(session: AsyncSession, *, page: int) -> View:
    groups = await summary.overdue_by_agency(session)
    if not groups:
        return texts.OVERDUE_NONE, None
    pages = render.overdue_pages(groups, clock.today_vn())
    page = min(max(page, 0), len(pages) - 1)
    return pages[page], keyboards.overdue_keyboard(page, len(pages))


async def cmd_quahan(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Every overdue task, grouped by body, the bodies most behind first; pages in place."""
    message = update.effective_message
    assert message is not None
    shown = await _apart(update, context, partial(_overdue_view, page=0))
    if shown is not None:
        await message.reply_text(shown[0], reply_markup=shown[1])


async def on_overdue_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Another page of /quahan."""
    query = update.callback_query
    assert query is not None
    page = keyboards.parse_overdue_data(query.data or "")
    message = query.message if isinstance(query.message, Message) else None
    if page is None or message is None:
        await query.answer(texts.BAD_BUTTON, show_alert=True)
        return
    shown = await _apart(update, context, partial(_overdue_view, page=page))
    if shown is not None:
        await answer_and_edit(query, message, shown[0], reply_markup=shown[1])


async def _files_view(session: AsyncSession, scope: str, page: int) -> View:
    filed = await reportfiles.list_filed(session, scope)
    name = await reportfiles.scope_name(session, scope) if scope else ""
    shown_scope = texts.FILES_SCOPE.format(ref=render.clip(name, 60)) if name else ""
    if not filed:
        return texts.FILES_NONE.format(scope=shown_scope), None
    text, shown, page, pages = render.files_page(filed, page, shown_scope)
    return text, keyboards.files_keyboard(shown, page, pages, scope)


async def cmd_baocao(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The report files submitted (all, a body's, a group's or a task's), to send again."""
    message = update.effective_message
    assert message is not None
    ref = " ".join(context.args or []).strip()

    async def view(session: AsyncSession, _: object) -> View:
        scope = await reportfiles.resolve_scope(session, ref)
        if scope is None:
            return texts.FILES_UNKNOWN_REF.format(ref=render.clip(ref, 100)), None
        return await _files_view(session, scope, 0)

    shown = await as_coordinator(update, context, view)
    if shown is not None:
        await message.reply_text(shown[0], reply_markup=shown[1])


async def on_files_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send a report file again, or turn the page of the list."""
    query = update.callback_query
    assert query is not None
    button = keyboards.parse_files_data(query.data or "")
    message = query.message if isinstance(query.message, Message) else None
    if button is None or message is None:
        await query.answer(texts.BAD_BUTTON, show_alert=True)
        return

    async def work(session: AsyncSession, _: object) -> View | reportfiles.Filed | str:
        if button.submission_id is None:
            return await _files_view(session, button.scope, button.page)
        filed = await reportfiles.get_filed(session, button.submission_id)
        return texts.STALE_BUTTON if filed is None else filed

    found = await as_coordinator(update, context, work)
    if isinstance(found, str):
        await query.answer(render.popup(found), show_alert=True)
    elif isinstance(found, tuple):
        await answer_and_edit(query, message, found[0], reply_markup=found[1])
    elif found is not None:
        await together(
            query.answer(),
            message.reply_document(found.file_id, caption=render.file_caption(found)),
        )


async def cmd_chuatraloi(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Agencies that never answered, never pressed Start, or blocked the bot."""
    message = update.effective_message
    assert message is not None
    quiet: summary.Silence | None = await _apart(update, context, summary.silence)
    if quiet is None:
        return
    lines = [texts.SILENT_NEVER_ANSWERED.format(count=len(quiet.never_answered))]
    lines += [texts.SILENT_ROW.format(name=render.name_of(n)) for n in quiet.never_answered] or [
        texts.SILENT_NONE
    ]
    lines.append(texts.SILENT_NO_CONTACT.format(count=len(quiet.no_contact)))
    lines += [texts.SILENT_ROW.format(name=render.name_of(n)) for n in quiet.no_contact] or [
        texts.SILENT_NONE
    ]
    lines.append(texts.SILENT_BLOCKED.format(count=len(quiet.unreachable)))
    lines += [
        texts.SILENT_CONTACT_ROW.format(agency=render.name_of(a), who=render.name_of(p))
        for a, p in quiet.unreachable
    ] or [texts.SILENT_NONE]
    head = texts.SILENT_HEADER.format(date=texts.date_vn(clock.today_vn()))
    for text in render.join_lines(lines, head=head):
        await message.reply_text(text)


async def cmd_xuat(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send the Excel workbook: by agency, by task, and the history."""
    message = update.effective_message
    assert message is not None
    data = await _apart(
        update, context, partial(export.build_export, labels=render.export_labels())
    )
    if data is None:
        return
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
    today = texts.date_vn(clock.today_vn())
    png = await _apart(  # read and drawn in the worker process
        update,
        context,
        partial(
            chart.summary_chart,
            labels=texts.STATUS,
            title=texts.CHART_TITLE.format(date=today),
            texts=texts.CHART_TEXTS,
        ),
    )
    if png is None:
        return
    await message.reply_photo(io.BytesIO(png), caption=texts.CHART_CAPTION.format(date=today))
