"""Coordinators' broadcasts (/thongbao), saved groups (/nhom), and recipients' "Đã nhận"."""

from __future__ import annotations

import re

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardMarkup, Message, Update
from telegram.ext import ContextTypes

from bot import keyboards, render, texts
from bot.handlers.common import (
    answer_and_edit,
    as_coordinator,
    db_of,
    removed_text,
)
from services import broadcasts, invites
from services.errors import DomainError
from services.invites import Identity

Preview = tuple[str, InlineKeyboardMarkup | None]

_BUTTON = re.compile(r"^bc:(\d{1,12}):(s|c|a|g\d{1,9})$")
_ACK = re.compile(r"^ack:(\d{1,12})$")


def _after_command(message: Message) -> str:
    """What follows the command, newlines kept (context.args would lose them)."""
    text = message.text or message.caption or ""
    parts = text.split(maxsplit=1)
    return parts[1] if len(parts) > 1 else ""


async def _preview(session, draft) -> tuple[str, InlineKeyboardMarkup]:  # type: ignore[no-untyped-def]
    """The draft as it will go out, where to (marked ✓), and the buttons to change that."""
    described = await broadcasts.describe(session, draft)
    everyone = await broadcasts.audience(session, "all")
    groups = await broadcasts.list_groups(session)
    markup = keyboards.broadcast_keyboard(
        draft.id,
        everyone=len(everyone.contacts),
        groups=[(g.id, g.name) for g, _ in groups if g.id is not None],  # stored: never None
        target=draft.target,
    )
    return render.broadcast_preview(described, draft), markup


async def cmd_thongbao(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Draft a broadcast (text, or the file replied to) and show its preview."""
    chat, message = update.effective_chat, update.effective_message
    assert chat is not None and message is not None
    rest = _after_command(message)
    source = message.reply_to_message
    has_file = source is not None and (source.document is not None or bool(source.photo))

    async def draft_of(session: AsyncSession, me: Identity) -> Preview:
        """The draft's preview, or why there is none."""
        if not rest.strip() and not has_file:
            return texts.BROADCAST_USAGE, None
        target, body = "all", rest
        head, colon, tail = rest.partition(":")
        if colon and len(head) <= 100 and "\n" not in head:
            try:
                target, _ = await broadcasts.resolve_target(session, head)
                body = tail
            except DomainError:
                target, body = "all", rest  # "Lưu ý: ..." is text, not a recipient
        try:
            if has_file:
                assert source is not None
                kind = "document" if source.document is not None else "photo"
                file_id = source.document.file_id if source.document else source.photo[-1].file_id
                draft = await broadcasts.create_draft(
                    session,
                    author=me.contact,
                    kind=kind,
                    text=body.strip() or source.caption or "",
                    file_id=file_id,
                    target=target,
                )
            else:
                draft = await broadcasts.create_draft(
                    session, author=me.contact, kind="text", text=body, target=target
                )
        except DomainError as error:
            return texts.error_text(error.code, **error.params), None
        return await _preview(session, draft)

    shown = await as_coordinator(update, context, draft_of)
    if shown is not None:
        await message.reply_text(shown[0], reply_markup=shown[1])


async def on_broadcast_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Pick the recipients, send, or cancel a broadcast draft."""
    query = update.callback_query
    assert query is not None and update.effective_chat is not None
    match = _BUTTON.match(query.data or "")
    message = query.message if isinstance(query.message, Message) else None
    if match is None or message is None:
        await query.answer(texts.BAD_BUTTON, show_alert=True)
        return
    broadcast_id, action = int(match[1]), match[2]

    async def act(session: AsyncSession, me: Identity) -> Preview | str:
        """The message as it reads after the button, or a pop-up saying why not."""
        try:
            if action == "c":
                await broadcasts.cancel(session, broadcast_id=broadcast_id, author=me.contact)
                return texts.BROADCAST_CANCELLED, None
            if action == "s":
                draft = await broadcasts.get_draft(session, broadcast_id, me.contact)
                described = await broadcasts.describe(session, draft)
                total = len(described.audience.contacts)
                if not total:
                    return texts.BROADCAST_NOBODY
                await broadcasts.confirm(
                    session,
                    broadcast_id=broadcast_id,
                    author=me.contact,
                    progress_chat_id=message.chat_id,
                    progress_message_id=message.message_id,
                )
                # The text as sent stays where it was written; its delivery report goes
                # below it, kept up to date by the dispatcher (jobs/broadcasts.py).
                progress = texts.BROADCAST_PROGRESS.format(
                    done=0, total=total, delivered=0, failed=0
                )
                return render.broadcast_sent(described, draft, progress), None
            target = "all" if action == "a" else f"group:{action[1:]}"
            draft = await broadcasts.set_target(
                session, broadcast_id=broadcast_id, author=me.contact, target=target
            )
            return await _preview(session, draft)
        except DomainError as error:
            return texts.error_text(error.code, **error.params)

    shown = await as_coordinator(update, context, act)
    if isinstance(shown, str):
        await query.answer(render.popup(shown), show_alert=True)
    elif shown is not None:
        await answer_and_edit(query, message, shown[0], reply_markup=shown[1])


async def on_ack(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A recipient confirms they received a broadcast."""
    query = update.callback_query
    assert query is not None and update.effective_chat is not None
    match = _ACK.match(query.data or "")
    if match is None:
        await query.answer(texts.BAD_BUTTON, show_alert=True)
        return
    done = report = None
    async with db_of(context).session() as session:
        me = await invites.identify(session, chat_id=update.effective_chat.id)
        removed = removed_text(me) if me is not None and me.removed else None
        if removed is None:
            done = await broadcasts.acknowledge(
                session, row_id=int(match[1]), chat_id=update.effective_chat.id
            )
        if done is not None and done.state == "done" and done.progress_message_id:
            # The report is already out: its acknowledgements are brought up to date.
            report = render.broadcast_sent(
                await broadcasts.describe(session, done),
                done,
                render.broadcast_report(await broadcasts.report(session, done.id or 0)),
            )
    if removed is not None:
        await query.answer(removed, show_alert=True)
        return
    await query.answer(texts.ACK_THANKS if done else texts.ACK_UNKNOWN, show_alert=done is None)
    if done is not None and isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=None)
    if report is not None and done is not None and done.progress_chat_id:
        await context.bot.edit_message_text(
            report, chat_id=done.progress_chat_id, message_id=done.progress_message_id
        )


async def cmd_nhom(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Save a group of agencies (/nhom Các sở: SYT,STP), or list the groups."""
    chat, message = update.effective_chat, update.effective_message
    assert chat is not None and message is not None
    rest = _after_command(message)
    name, colon, codes = rest.partition(":")

    async def save_or_list(session: AsyncSession, _: object) -> str:
        if not colon:
            rows = [
                texts.GROUP_ROW.format(name=render.name_of(g.name), codes=", ".join(c))
                for g, c in await broadcasts.list_groups(session)
            ]
            return texts.GROUP_USAGE.format(groups="\n".join(rows) or texts.GROUP_NONE)
        try:
            group, members = await broadcasts.save_group(
                session, name=name, agency_refs=codes.split(",")
            )
        except DomainError as error:
            return texts.error_text(error.code, **error.params)
        return texts.GROUP_SAVED.format(
            name=group.name, count=len(members), codes=", ".join(a.code for a in members)
        )

    text = await as_coordinator(update, context, save_or_list)
    if text is not None:
        await message.reply_text(text)
