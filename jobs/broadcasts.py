"""Broadcast deliveries, and the coordinator's message of the broadcast as sent: its
progress, then its delivery report, kept up to date below the text."""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Bot
from telegram.error import TelegramError

from bot import render, texts
from bot.render import broadcast_report
from db.models import Broadcast, Outbox
from db.session import Database
from jobs.render import Outgoing
from services import broadcasts, outbox
from services.settings import Settings

log = logging.getLogger(__name__)


async def render_broadcast(
    session: AsyncSession, rows: list[Outbox], settings: Settings
) -> Outgoing | None:
    bc = await session.get(Broadcast, rows[0].ref_id)
    if bc is None or bc.state == "cancelled":
        return None
    keyboard = [[[texts.BTN_ACK, f"ack:{rows[0].id}"]]]
    text = render.broadcast_text(await broadcasts.sender_of(session, bc), bc.text)
    if bc.kind == "text":
        return Outgoing(text, keyboard=keyboard)
    return Outgoing(
        render.fit(text, 1024), keyboard=keyboard, file_id=bc.file_id, file_kind=bc.kind
    )


async def update_progress(db: Database, bot: Bot, settings: Settings) -> None:
    """Edit each running broadcast's progress message; the report when it is done."""
    async with db.session() as session:
        running = await broadcasts.sending(session)
        if not running:
            return
        # The dispatcher's own lease: a row `sending` for less may still be on its way.
        lease = outbox.lease_of(settings.claim_lease_s, settings.http_timeout_s)
        await broadcasts.settle_interrupted(session, lease=lease)
        for bc in running:
            report = await broadcasts.report(session, bc.id or 0)
            if report.finished:
                status = broadcast_report(report)
            else:
                done = report.total - report.waiting
                status = texts.BROADCAST_PROGRESS.format(
                    done=done,
                    total=report.total,
                    delivered=len(report.delivered),
                    failed=len(report.failed) + len(report.uncertain),
                )
            # The text as sent stays, its report below it.
            text = render.broadcast_sent(await broadcasts.describe(session, bc), bc, status)
            if bc.progress_chat_id and bc.progress_message_id:
                try:
                    await bot.edit_message_text(
                        text, chat_id=bc.progress_chat_id, message_id=bc.progress_message_id
                    )
                except TelegramError as error:
                    if "not modified" not in str(error).lower():
                        log.warning("cannot update broadcast %s progress: %s", bc.id, error)
                        if report.finished:
                            continue  # try again on the next tick
            if report.finished:
                await broadcasts.finish(session, bc.id or 0)
