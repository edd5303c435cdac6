"""Delivery over a modelled network: the real Dispatcher at Telegram's limits when each Bot
API call takes a round trip of 0, 50 or 200 ms (±20 % jitter).

    uv run python bench/network.py [--quick]

For each round trip, in its own child process (this script with --child; the two
scenarios one after the other), each scenario on a temporary SQLite file: a fake Bot API
server (fake_telegram.FakeTelegram with its network model: latency_ms, jitter=0.2, a fixed
seed; flood limits enforced, judged when a call reaches the server) and the real Dispatcher
(jobs/dispatch.py, default settings: SEND_CONCURRENCY, pacing) sending through
python-telegram-bot's Bot on the project's aiohttp request layer, as the bot does.

1. broadcast: one broadcast confirmed through services.broadcasts to 3,000 recipients
   (--quick: 600), delivered until the outbox is empty;
2. reminders: 2,000 reminders due at once, one to each of 2,000 chats (--quick: 300).

Rate = (delivered - 1) / (last arrival - first arrival), arrivals stamped by the server,
as a fraction of the 30/s limit. lost = recipients without a copy, duplicates = copies
beyond the first, limit_violations = sends the server refused with 429. The three round
trips run at the same time (separate processes, separate servers; each has its own 30/s),
so a run takes as long as one round trip's child.

Other sections: if bench/net_updates.py or bench/net_stall.py exists, its
`run(quick: bool) -> dict` is called after these and its dict merged into the last line
(a key set here, such as rtt_ms, keeps its value; a section's different value for it is
kept as "<section>.<key>").

The last line is one JSON object: {"rtt_ms": [0, 50, 200], "broadcast_limit_fraction":
[...], "reminders_limit_fraction": [...], "lost": n, "duplicates": n,
"limit_violations": n, ...}.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import (
    FakeProcess,
    Stopwatch,
    bench_settings,
    bulk_insert,
    last_line,
    serve_fake,
    table,
    temp_database,
)

LIMIT = 30.0
RTT_MS = (0, 50, 200)
JITTER = 0.2
BROADCAST_TARGET = 0.95
REMINDERS_TARGET = 0.9
TEXT = "Thông báo: đề nghị các cơ quan gửi báo cáo năm trước ngày 15/12/2026."
SECTIONS = ("net_updates", "net_stall")


async def op_add_users(server: Any, chats: list[int]) -> int:
    for chat in chats:
        server.add_user(chat, f"Cán bộ {chat}")
    return len(chats)


async def op_results(server: Any, chats: list[int], text: str | None) -> dict[str, Any]:
    """What the server saw: arrivals of the messages wanted, per chat, and its 429s."""
    wanted = set(chats)
    mine = [
        m for m in server.sent if m.chat_id in wanted and (text is None or text in (m.text or ""))
    ]
    arrivals = sorted(m.time for m in mine)
    got = Counter(m.chat_id for m in mine)
    rate = (len(arrivals) - 1) / (arrivals[-1] - arrivals[0]) if len(arrivals) > 1 else 0.0
    return {
        "delivered": len(arrivals),
        "lost": len(wanted - set(got)),
        "duplicates": sum(c - 1 for c in got.values()),
        "per_s": rate,
        "limit_fraction": rate / LIMIT,
        "limit_violations": server.limit_violations,
    }


OPS = {"add_users": op_add_users, "results": op_results}


async def _people(db: Any, fake: Any, n: int, now: Any) -> list[int]:
    """n agencies with one reachable official each (a simulated user who started the bot)."""
    from db.models import Agency, Contact

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
            for i in range(n)
        ],
    )
    chats = [300_000 + i for i in range(n)]
    await bulk_insert(
        db,
        Contact,
        [
            {
                "id": i + 1,
                "chat_id": chat,
                "chat_type": "private",
                "user_id": chat,
                "agency_id": i + 1,
                "role": "official",
                "display_name": f"Cán bộ {i}",
                "reachable": True,
                "linked_at": now,
            }
            for i, chat in enumerate(chats)
        ],
    )
    await fake.call("add_users", chats=chats)
    return chats


async def _queue_broadcast(db: Any, now: Any) -> None:
    from db.models import Contact
    from services import broadcasts

    async with db.session() as session:
        author = Contact(chat_id=1, role="coordinator", display_name="Điều phối", linked_at=now)
        session.add(author)
        await session.commit()
        draft = await broadcasts.create_draft(session, author=author, kind="text", text=TEXT)
        await broadcasts.confirm(
            session,
            broadcast_id=draft.id,
            author=author,
            progress_chat_id=1,
            progress_message_id=1,
        )


async def _queue_reminders(db: Any, chats: list[int], now: Any) -> None:
    import datetime as dt

    from db.models import Outbox, Task

    await bulk_insert(
        db,
        Task,
        [
            {
                "id": i + 1,
                "agency_id": i + 1,
                "kind": "task",
                "progress": "open",
                "title": f"Báo cáo công tác trẻ em năm {i}",
                "due_date": (now + dt.timedelta(days=7)).date(),
                "blocked": False,
                "extension_requested": False,
                "created_at": now,
                "updated_at": now,
            }
            for i in range(len(chats))
        ],
    )
    from services.outbox import row

    await bulk_insert(
        db,
        Outbox,
        [
            row(
                kind="reminder",
                dedupe_key=f"bench:{i + 1}",
                chat_id=chat,
                contact_id=i + 1,
                task_id=i + 1,
                payload={},
                due_at=now,
            )
            for i, chat in enumerate(chats)
        ],
    )


async def child(scenario: str, rtt_ms: float, n: int, seed: int) -> dict[str, Any]:
    """One measurement in this (fresh) process, the fake server in a child of its own (so
    that the server's clock and its network model do not wait on the bot's event loop);
    returns the figures."""
    from telegram import Bot

    from bot.aiohttp_request import AiohttpRequest
    from fake_telegram import FakeTelegramClient
    from jobs.dispatch import Dispatcher
    from services import clock

    async with FakeProcess(Path(__file__).resolve()) as fake:
        async with FakeTelegramClient(fake.root) as control:
            await control.set_network(latency_ms=rtt_ms, jitter=JITTER, seed=seed)
        async with temp_database(f"{scenario}.db") as (db, _):
            now = clock.now()
            chats = await _people(db, fake, n, now)
            if scenario == "broadcast":
                await _queue_broadcast(db, now)
            else:
                await _queue_reminders(db, chats, now)
            settings = bench_settings(fake.base_url, db.url.render_as_string(hide_password=False))
            timeout = settings.http_timeout_s
            request = AiohttpRequest(
                read_timeout=timeout, write_timeout=timeout, connect_timeout=timeout
            )
            async with Bot("1:BENCH", base_url=fake.base_url, request=request) as bot:
                dispatcher = Dispatcher(db=db, bot=bot, settings=settings)
                started = time.monotonic()
                while await dispatcher.run_once():
                    pass
                wall = time.monotonic() - started
                max_in_flight = dispatcher.pacer.max_in_flight
        seen = await fake.call(
            "results", chats=chats, text=TEXT if scenario == "broadcast" else None
        )
    return {
        "scenario": scenario,
        "rtt_ms": rtt_ms,
        "recipients": n,
        **seen,
        "max_in_flight": max_in_flight,
        "wall_s": wall,
    }


async def _spawn(sizes: dict[str, int], rtt: int) -> list[dict[str, Any]]:
    """One child process for a round trip: the scenarios one after the other, each with a
    fresh fake server and database (one interpreter start instead of one per scenario)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        ",".join(sizes),
        str(rtt),
        ",".join(str(n) for n in sizes.values()),
        stdout=asyncio.subprocess.PIPE,
        cwd=str(ROOT),
    )
    out, _ = await proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"{','.join(sizes)} at {rtt} ms failed (exit {proc.returncode})")
    return json.loads(out.decode().strip().splitlines()[-1])


async def delivery(quick: bool) -> list[dict[str, Any]]:
    sizes = {"broadcast": 600 if quick else 3000, "reminders": 300 if quick else 2000}
    per_rtt = await asyncio.gather(*(_spawn(sizes, rtt) for rtt in RTT_MS))
    return [r for scenario in sizes for runs in per_rtt for r in runs if r["scenario"] == scenario]


def other_sections(quick: bool, figures: dict[str, Any]) -> None:
    """Add the figures of the optional sections (bench/net_updates.py, bench/net_stall.py)
    to `figures`. A key this script already set (rtt_ms: the round trips measured here,
    [0, 50, 200]) keeps its value; a section's own value is kept as "<section>.<key>"."""
    for name in SECTIONS:
        try:
            module = importlib.import_module(f"bench.{name}")
        except ModuleNotFoundError as error:
            if error.name != f"bench.{name}":
                raise
            continue
        section = module.run(quick)
        print(f"\n{name}: {json.dumps(section, ensure_ascii=False)}")
        for key, value in section.items():
            if key in figures and figures[key] != value:
                figures[f"{name}.{key}"] = value
            else:
                figures.setdefault(key, value)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="600 / 300 recipients")
    parser.add_argument(
        "--child", nargs=3, metavar=("SCENARIOS", "RTT_MS", "COUNTS"), help=argparse.SUPPRESS
    )
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:  # the fake server of one measurement (bench.common.FakeProcess)
        from bot.app import use_fast_event_loop

        use_fast_event_loop()
        serve_fake(OPS, enforce_limits=True)
        return 0
    if args.child:
        from bot.app import use_fast_event_loop

        use_fast_event_loop()  # as `nhacviec run` does
        scenarios, rtt, ns = args.child
        runs = [
            asyncio.run(child(scenario, float(rtt), int(n), seed=int(rtt) + 14))
            for scenario, n in zip(scenarios.split(","), ns.split(","), strict=True)
        ]
        print(json.dumps(runs))
        return 0

    watch = Stopwatch()
    results = asyncio.run(delivery(args.quick))
    print(
        table(
            [
                "scenario",
                "RTT ms",
                "recipients",
                "per s",
                "of limit",
                "lost",
                "dupl.",
                "429s",
                "in flight",
                "wall s",
            ],
            [
                (
                    r["scenario"],
                    int(r["rtt_ms"]),
                    r["recipients"],
                    r["per_s"],
                    r["limit_fraction"],
                    r["lost"],
                    r["duplicates"],
                    r["limit_violations"],
                    r["max_in_flight"],
                    r["wall_s"],
                )
                for r in results
            ],
            digits=3,
        )
    )
    by = {(r["scenario"], int(r["rtt_ms"])): r for r in results}
    figures: dict[str, Any] = {
        "rtt_ms": list(RTT_MS),
        "jitter": JITTER,
        "broadcast_recipients": by[("broadcast", 0)]["recipients"],
        "reminders": by[("reminders", 0)]["recipients"],
        "broadcast_limit_fraction": [
            round(by[("broadcast", rtt)]["limit_fraction"], 4) for rtt in RTT_MS
        ],
        "reminders_limit_fraction": [
            round(by[("reminders", rtt)]["limit_fraction"], 4) for rtt in RTT_MS
        ],
        "lost": sum(r["lost"] for r in results),
        "duplicates": sum(r["duplicates"] for r in results),
        "limit_violations": sum(r["limit_violations"] for r in results),
        "max_in_flight": max(r["max_in_flight"] for r in results),
    }
    figures["delivery_ok"] = (
        min(figures["broadcast_limit_fraction"]) >= BROADCAST_TARGET
        and min(figures["reminders_limit_fraction"]) >= REMINDERS_TARGET
        and figures["lost"] == figures["duplicates"] == figures["limit_violations"] == 0
    )
    other_sections(args.quick, figures)
    print(f"(total {watch.seconds:.0f} s)")
    last_line(figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
