"""Coordinators: a plan document sent to the bot becomes a draft to review, mend
(/suakh) and activate."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Document, Message, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot import keyboards, render, review, texts
from bot.handlers.common import (
    answer_and_edit,
    as_coordinator,
    db_of,
    together,
)
from db.models import Plan
from services import clock, drafts, isolation, plans
from services.errors import DomainError

DOWNLOAD_BYTES_PER_S = 100_000
"""The slowest link a file is waited for on (0.8 Mbit/s): a 20 MB plan gets 200 s, the
other calls keep HTTP_TIMEOUT_S, which counts a whole exchange."""


def download_timeout_s(doc: Document, context: ContextTypes.DEFAULT_TYPE) -> float:
    usual = context.application.bot_data["settings"].http_timeout_s
    return max(usual, (doc.file_size or plans.MAX_BYTES) / DOWNLOAD_BYTES_PER_S)


def _review(plan: Plan) -> tuple[str, keyboards.InlineKeyboardMarkup]:
    text, past = review.draft_review(plan, clock.today_vn())
    return text, keyboards.plan_keyboard(plan.id or 0, past=past)


async def on_plan_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Read a plan (.docx, .pdf, .txt) a coordinator sent, and show its review."""
    message = update.effective_message
    assert message is not None and message.document is not None
    doc = message.document
    if doc.file_size and doc.file_size > plans.MAX_BYTES:
        await message.reply_text(texts.DOCUMENT_ERRORS["too_large"])
        return
    try:
        telegram_file = await doc.get_file()
        data = bytes(
            await telegram_file.download_as_bytearray(read_timeout=download_timeout_s(doc, context))
        )
    except TelegramError:  # the link dropped or is slower still: nothing read, nothing written
        await message.reply_text(texts.DOCUMENT_DOWNLOAD_FAILED)
        return
    try:
        parsed = await isolation.read_plan_async(data, doc.file_name or "plan")
        async with db_of(context).session() as session:
            draft = await plans.create_draft(
                session, parsed=parsed, source_name=doc.file_name or "", notify=False
            )
    except DomainError as error:
        await message.reply_text(texts.error_text(error.code, **error.params))
        return
    if draft.unchanged and draft.plan.state == "active":
        await message.reply_text(texts.PLAN_ACTIVATED_SAME)
        return
    text, keyboard = _review(draft.plan)
    if draft.unchanged:
        text = texts.PLAN_UNCHANGED_DRAFT.format(id=draft.plan.id) + "\n\n" + text
    await message.reply_text(text, reply_markup=keyboard)


async def on_plan_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Activate (with or without deadlines already past), explain mending, or discard."""
    query = update.callback_query
    assert query is not None and update.effective_chat is not None
    parsed = keyboards.parse_plan_data(query.data or "")
    if parsed is None:
        await query.answer(texts.BAD_BUTTON, show_alert=True)
        return
    action, plan_id = parsed
    settings = context.application.bot_data["settings"]

    async def act(session: AsyncSession, _: object) -> tuple[str, str]:
        """("help", how to mend the draft), ("ended", what the review came to), or
        ("refused", why not)."""
        if action == "edit":
            plan = await session.get(Plan, plan_id)
            if plan is None or plan.state != "draft":
                return "refused", texts.PLAN_NOT_DRAFT
            return "help", texts.PLAN_EDIT_HELP.format(id=plan_id)
        try:
            if action in ("activate", "activate_all"):
                result = await plans.activate(
                    session,
                    plan_id=plan_id,
                    settings=settings,
                    include_past=action == "activate_all",
                )
                return "ended", render.activation_text(result)
            await plans.discard(session, plan_id=plan_id)
            return "ended", texts.PLAN_DISCARDED
        except DomainError as error:
            return "refused", render.popup(texts.error_text(error.code, **error.params))

    done = await as_coordinator(update, context, act)
    if done is None:
        return
    kind, text = done
    message = query.message if isinstance(query.message, Message) else None
    if kind == "refused":
        await query.answer(text, show_alert=True)
    elif kind == "help":
        if message is not None:
            await together(query.answer(), message.reply_text(text))
        else:
            await query.answer()
    elif message is not None:
        await answer_and_edit(
            query,
            message,
            f"{message.text}\n\n{text}",
            popup=render.popup(text),
            reply_markup=None,
        )
    else:
        await query.answer(render.popup(text))


def _target(args: list[str]) -> tuple[int | None, str]:
    """ "#12 ten 3 Sở Tư pháp" -> (12, "ten 3 Sở Tư pháp"); no "#": the latest draft."""
    if args and args[0].startswith("#") and args[0][1:].isdigit():
        return int(args[0][1:]), " ".join(args[1:])
    return None, " ".join(args)


async def cmd_suakh(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Mend a plan draft: /suakh ten 3 Sở Tư pháp (without an edit: how to)."""
    message = update.effective_message
    assert message is not None
    target, edit = _target(list(context.args or []))

    async def mend(
        session: AsyncSession, _: object
    ) -> tuple[str, keyboards.InlineKeyboardMarkup | None]:
        """The draft's review after the edit, or the answer without one."""
        plan_id = target
        if plan_id is None:
            latest = await drafts.latest_draft(session)
            if latest is None:
                return texts.PLAN_NO_DRAFT, None
            plan_id = latest.id or 0
        if not edit:
            return texts.PLAN_EDIT_HELP.format(id=plan_id), None
        try:
            plan = await drafts.edit_draft(session, plan_id=plan_id, text=edit)
        except DomainError as error:
            return texts.error_text(error.code, **error.params), None
        return _review(plan)

    shown = await as_coordinator(update, context, mend)
    if shown is not None:
        await message.reply_text(shown[0], reply_markup=shown[1])
