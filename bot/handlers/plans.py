"""Coordinators: a plan document sent to the bot becomes a draft to review and activate."""

from __future__ import annotations

from telegram import Message, Update
from telegram.ext import ContextTypes

from bot import keyboards, render, texts
from bot.handlers.common import coordinator_or_refuse, db_of, edit_or_ignore
from services import plans
from services.errors import DomainError


async def on_plan_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Read a plan (.docx, .pdf, .txt) a coordinator sent, and show its review."""
    message = update.effective_message
    assert message is not None and message.document is not None
    doc = message.document
    if doc.file_size and doc.file_size > plans.MAX_BYTES:
        await message.reply_text(texts.DOCUMENT_ERRORS["too_large"])
        return
    telegram_file = await doc.get_file()
    data = bytes(await telegram_file.download_as_bytearray())
    try:
        parsed = plans.read_plan(data, doc.file_name or "plan")
        async with db_of(context).session() as session:
            plan, _ = await plans.create_draft(
                session, parsed=parsed, source_name=doc.file_name or "", notify=False
            )
    except DomainError as error:
        await message.reply_text(texts.error_text(error.code, **error.params))
        return
    await message.reply_text(
        render.plan_review(parsed.to_json(), parsed.warnings),
        reply_markup=keyboards.plan_keyboard(plan.id or 0),
    )


async def on_plan_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Activate or discard a plan draft."""
    query = update.callback_query
    assert query is not None and update.effective_chat is not None
    parsed = keyboards.parse_plan_data(query.data or "")
    if parsed is None:
        await query.answer(texts.BAD_BUTTON, show_alert=True)
        return
    action, plan_id = parsed
    async with db_of(context).session() as session:
        me = await coordinator_or_refuse(update, session)
        if me is None:
            return
        try:
            if action == "activate":
                result = await plans.activate(
                    session, plan_id=plan_id, settings=context.application.bot_data["settings"]
                )
                outcome = render.activation_text(result)
            else:
                await plans.discard(session, plan_id=plan_id)
                outcome = texts.PLAN_DISCARDED
        except DomainError as error:
            await query.answer(texts.error_text(error.code, **error.params), show_alert=True)
            return
    await query.answer(outcome[:190])
    if isinstance(query.message, Message):
        await edit_or_ignore(query.message, f"{query.message.text}\n\n{outcome}", reply_markup=None)
