"""Broadcast delivery rate at Telegram's flood limits, and the Excel export's build time.

1. Deliveries per second as a fraction of the 30/s limit: N recipients (3,000; --quick
   600), one broadcast confirmed through services.broadcasts, delivered by the real
   Dispatcher over HTTP to the fake Bot API server with its flood limits on (30/s overall,
   1/s per chat). The rate is (delivered - 1) / (last arrival - first arrival), arrivals
   timed by the server. Also: lost (recipients without a copy), duplicates, 429s.
2. The export for 500 agencies x 20 tasks (10,000 tasks, 20,000 history rows): a
   temporary SQLite database is filled, then reading it and writing the workbook are timed
   together (bench/export_data.py, time_export(from_db=True)), best of 3.

Run: uv run python bench/broadcast.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from telegram import Bot

from bench.common import bench_settings, bulk_insert, last_line, table, temp_database
from db.models import Agency, Contact
from fake_telegram import FakeTelegram
from jobs.dispatch import Dispatcher
from services import broadcasts, clock

LIMIT = 30.0
TEXT = "Thông báo: đề nghị các cơ quan gửi báo cáo năm trước ngày 15/12/2026."


async def broadcast_rate(recipients: int) -> dict:
    server = FakeTelegram(enforce_limits=True)
    await server.start()
    try:
        async with temp_database("broadcast.db") as (db, _):
            now = clock.now()
            await bulk_insert(
                db,
                Agency,
                [
                    {
                        "id": i + 1,
                        "code": f"X{i}",
                        "name": f"UBND xã {i}",
                        "name_key": f"ubnd xa {i}",
                        "requested": False,
                        "created_at": now,
                    }
                    for i in range(recipients)
                ],
            )
            chats = [300_000 + i for i in range(recipients)]
            await bulk_insert(
                db,
                Contact,
                [
                    {
                        "chat_id": chat,
                        "chat_type": "private",
                        "agency_id": i + 1,
                        "role": "official",
                        "display_name": f"Cán bộ {i}",
                        "reachable": True,
                        "linked_at": now,
                    }
                    for i, chat in enumerate(chats)
                ],
            )
            for chat in chats:
                server.add_user(chat, f"Cán bộ {chat}")
            async with db.session() as session:
                author = Contact(
                    chat_id=1, role="coordinator", display_name="Điều phối", linked_at=now
                )
                session.add(author)
                await session.commit()
                draft = await broadcasts.create_draft(
                    session, author=author, kind="text", text=TEXT
                )
                await broadcasts.confirm(
                    session,
                    broadcast_id=draft.id,
                    author=author,
                    progress_chat_id=1,
                    progress_message_id=1,
                )
            settings = bench_settings(server.base_url, db.url.render_as_string(hide_password=False))
            async with Bot("1:BENCH", base_url=server.base_url) as bot:
                dispatcher = Dispatcher(db=db, bot=bot, settings=settings)
                started = time.monotonic()
                while await dispatcher.run_once():
                    pass
                wall = time.monotonic() - started
    finally:
        await server.stop()
    arrivals = sorted(m.time for m in server.sent if m.text == TEXT)
    got = Counter(m.chat_id for m in server.sent if m.text == TEXT)
    rate = (len(arrivals) - 1) / (arrivals[-1] - arrivals[0]) if len(arrivals) > 1 else 0.0
    return {
        "recipients": recipients,
        "delivered": len(arrivals),
        "lost": len(set(chats) - set(got)),
        "duplicates": sum(n - 1 for n in got.values()),
        "per_s": rate,
        "limit_fraction": rate / LIMIT,
        "violations": server.limit_violations,
        "wall_s": wall,
    }


def export_seconds(agencies: int, tasks: int, runs: int) -> float:
    from bench.export_data import time_export

    return min(time_export(agencies, tasks, from_db=True) for _ in range(runs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="600 recipients instead of 3,000")
    args = parser.parse_args()
    recipients = 600 if args.quick else 3000
    figures = asyncio.run(broadcast_rate(recipients))
    export_s = export_seconds(500, 20, 1 if args.quick else 3)
    print(
        table(
            ["measure", "value", "target"],
            [
                ("recipients", figures["recipients"], ""),
                ("delivered", figures["delivered"], ""),
                ("deliveries/s", figures["per_s"], "30/s limit"),
                ("fraction of limit", figures["limit_fraction"], ">= 0.95"),
                ("lost", figures["lost"], "0"),
                ("duplicates", figures["duplicates"], "0"),
                ("429 answers", figures["violations"], "0"),
                ("export 500x20 (s)", export_s, "<= 2"),
            ],
            digits=3,
        )
    )
    last_line(
        {
            "recipients": figures["recipients"],
            "limit_fraction": round(figures["limit_fraction"], 4),
            "lost": figures["lost"],
            "duplicates": figures["duplicates"],
            "export_s": round(export_s, 3),
            "violations": figures["violations"],
        }
    )


if __name__ == "__main__":
    main()
