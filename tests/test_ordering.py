"""bot/ordering.py: other chats' updates overlap, one chat's updates keep their order."""

from __future__ import annotations

import asyncio

import pytest
from telegram import Chat, Message, Update

from bot.ordering import PerChatOrder

CHAT_A, CHAT_B = 101, 202


def update_in(chat_id: int, update_id: int) -> Update:
    chat = Chat(chat_id, Chat.PRIVATE)
    return Update(update_id, message=Message(update_id, None, chat, text="x"))  # type: ignore[arg-type]


async def test_one_chat_in_order_other_chats_alongside() -> None:
    processor = PerChatOrder(8)
    log: list[str] = []

    async def work(name: str, seconds: float) -> None:
        log.append(f"start {name}")
        await asyncio.sleep(seconds)
        log.append(f"end {name}")

    async with processor:
        await asyncio.gather(
            processor.process_update(update_in(CHAT_A, 1), work("a1", 0.05)),
            processor.process_update(update_in(CHAT_A, 2), work("a2", 0.0)),
            processor.process_update(update_in(CHAT_B, 3), work("b1", 0.0)),
        )
    # a2 waited for a1 although it was quicker; b1 did not wait for a1.
    assert log.index("end a1") < log.index("start a2")
    assert log.index("end b1") < log.index("end a1")
    assert processor._chats == {}  # nothing kept for chats with nothing in flight


async def test_a_failing_update_does_not_hold_its_chat() -> None:
    processor = PerChatOrder(2)

    async def boom() -> None:
        raise RuntimeError("handler failed")

    async def fine() -> str:
        return "ok"

    with pytest.raises(RuntimeError):
        await processor.process_update(update_in(CHAT_A, 1), boom())
    async with asyncio.timeout(1):
        await processor.process_update(update_in(CHAT_A, 2), fine())
