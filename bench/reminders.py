"""Reminders at scale: start-up and memory with many pending rows, due -> arrival delay,
and the send rate against Telegram's 30 messages/s.

    uv run python bench/reminders.py [--quick]

Data: A agencies with one official (a reachable contact) each, 5 tasks per agency and 10
pending reminder rows per task (outbox rows of kind "reminder", made with the same
helper as services.reminders.sync_task), due between tomorrow and half a year ahead, bulk-
inserted into a temporary SQLite file: 100,000 pending reminders (--quick: 20,000).

1. Start-up of the real bot, in a fresh child process (this script with --child) on a copy
   of that database: from just before build_application (post_init, start, start_polling)
   until the first getUpdates reaches the fake server (which runs here, in the parent, and
   stamps requests with time.monotonic(), the same clock in both processes). Resident
   memory (psutil RSS of the child, read from here) at that moment, and once the start-up
   job "plan-now" (services.reminders.plan_ahead) has finished.
2. The same for the naive design, in its own fresh child: the same application plus one
   python-telegram-bot JobQueue job per pending reminder
   (app.job_queue.run_once(callback, when=due_at)), scheduled before start.
3. Delay from a reminder's due time to its arrival at the fake server, with Telegram's
   limits enforced (FakeTelegram(enforce_limits=True)): the real bot runs here with default
   settings (dispatch job every dispatch_interval_s) and services.clock.SystemClock, so
   due_at (UTC wall time, compared by the dispatcher with clock.now()) maps onto the
   server's monotonic arrival times through one (time.time(), time.monotonic()) pair read
   at the start. 600 extra reminder rows for 300 chats (2 tasks each) fall due at random
   times over the next 30 s (quick: 120 rows, 60 chats, 6 s).
4. A sustained send: one reminder due now for every contact (2,000 distinct chats; quick
   300). Delivered messages per second between the first and the last arrival, as a
   fraction of the 30/s limit; every row must be sent exactly once (outbox rows vs.
   messages received per chat) and the server must have seen no flood-limit violation.

The last line is one JSON object: {"pending", "startup_s", "rss_mb", "naive_startup_s",
"naive_rss_mb", "delay_p50_ms", "delay_p99_ms", "limit_fraction", ...}.
"""

from __future__ import annotations

import time

T_EXEC = time.monotonic()  # for the child processes: before any heavy import

import argparse
import asyncio
import datetime as dt
import json
import random
import shutil
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import psutil
import sqlalchemy as sa
from common import (
    Stopwatch,
    bench_settings,
    bulk_insert,
    count_rows,
    percentile,
    rounded,
    run_and_report,
    running_bot,
    sqlite_url,
    table,
    temp_database,
    watch_job,
)

from db.session import Database
from services import clock
from services.clock import SystemClock

CHAT_BASE = 300_000
TASKS_PER_AGENCY = 5
OCCURRENCES = 10
LIMIT_PER_S = 30.0
TARGET_FRACTION = 0.9
MB = 1024 * 1024


# --- the data set ------------------------------------------------------------------------------


async def build_dataset(db: Database, agencies: int, now: dt.datetime) -> int:
    """Agencies, one official each, 5 tasks each, 10 pending reminder rows per task."""
    from db.models import Agency, Contact, Outbox, Task
    from services.outbox import row as outbox_row

    today = now.astimezone(clock.VN_TZ).date()
    agency_rows, contact_rows, task_rows, outbox_rows = [], [], [], []
    rules = [("before", d) for d in (14, 7, 3, 1, 0)] + [("overdue", d) for d in (2, 4, 6, 8, 10)]
    for a in range(1, agencies + 1):
        name = f"UBND xã Nhắc việc {a:05d}"
        agency_rows.append(
            {
                "id": a,
                "code": f"R{a:05d}",
                "name": name,
                "name_key": name.lower(),
                "requested": a % 3 == 0,
                "created_at": now,
            }
        )
        chat = CHAT_BASE + a
        contact_rows.append(
            {
                "id": a,
                "chat_id": chat,
                "chat_type": "private",
                "user_id": chat,
                "display_name": f"Cán bộ {a}",
                "agency_id": a,
                "role": "official",
                "reachable": True,
                "unreachable_reason": None,
                "linked_at": now,
            }
        )
        for t in range(TASKS_PER_AGENCY):
            task_id = (a - 1) * TASKS_PER_AGENCY + t + 1
            due = today + dt.timedelta(days=30 + (task_id * 37) % 150)
            task_rows.append(
                {
                    "id": task_id,
                    "agency_id": a,
                    "kind": "task",
                    "progress": "open",
                    "done_at": None,
                    "title": f"Nhiệm vụ {t + 1}: báo cáo công tác trẻ em của xã {a}",
                    "due_date": due,
                    "due_time": None,
                    "blocked": False,
                    "block_note": None,
                    "extension_requested": False,
                    "extension_date": None,
                    "extension_note": None,
                    "reminder_offsets": None,
                    "plan_id": None,
                    "source_key": None,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            for k, (rule, offset) in enumerate(rules[:OCCURRENCES]):
                # Spread over tomorrow .. ~180 days ahead: nothing falls due during the run.
                at = now + dt.timedelta(
                    days=1, seconds=((task_id * OCCURRENCES + k) * 7919) % (179 * 86400)
                )
                outbox_rows.append(
                    outbox_row(
                        kind="reminder",
                        dedupe_key=f"rem:{task_id}:{a}:{due.isoformat()}:{rule}:{offset}",
                        chat_id=chat,
                        contact_id=a,
                        task_id=task_id,
                        payload={"at": at.isoformat(), "rule": rule, "offset": offset},
                        due_at=at,
                    )
                )
    await bulk_insert(db, Agency, agency_rows)
    await bulk_insert(db, Contact, contact_rows)
    await bulk_insert(db, Task, task_rows)
    await bulk_insert(db, Outbox, outbox_rows)
    return len(outbox_rows)


# --- 1 & 2: start-up in a fresh child process ----------------------------------------------------


async def naive_reminder(context: Any) -> None:
    """The naive design's job: one per reminder (never runs during the measurement)."""
    await context.bot.send_message(context.job.chat_id, "Nhắc việc")


async def child_main(design: str, db_path: str, base_url: str) -> None:
    """Run in a fresh process: start the bot, report timings as JSON lines on stdout, then
    keep polling until stdin closes."""
    import signal

    from telegram import Update

    from bot.app import build_application
    from db.models import Outbox

    t_import = time.monotonic()
    clock.set_clock(SystemClock())
    settings = bench_settings(base_url, sqlite_url(Path(db_path)))
    db = Database(settings.database_url)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    loop.add_reader(sys.stdin.fileno(), stop.set)
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    def say(**fields: Any) -> None:
        print(json.dumps(fields), flush=True)

    t0 = time.monotonic()
    app = build_application(settings, db)
    jobs = 0
    async with app:
        await app.post_init(app)  # type: ignore[misc]
        if design == "naive":
            async with db.session() as session:
                rows = (
                    await session.execute(
                        sa.select(Outbox.id, Outbox.chat_id, Outbox.due_at).where(
                            Outbox.kind == "reminder", Outbox.state == "pending"
                        )
                    )
                ).all()
            for row_id, chat_id, due_at in rows:
                app.job_queue.run_once(
                    naive_reminder,
                    when=due_at,
                    data=row_id,
                    chat_id=chat_id,
                    name=f"reminder-{row_id}",
                )
            jobs = len(rows)
        plan_done = watch_job(app, "plan-now")
        t_start = time.monotonic()
        await app.start()
        await app.updater.start_polling(allowed_updates=Update.ALL_TYPES)
        say(
            t_exec=T_EXEC,
            t_import=t_import,
            t0=t0,
            t_start=t_start,
            t_polling=time.monotonic(),
            jobs=jobs,
            scheduled=len(app.job_queue.jobs()),
        )
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait([plan_done, stopping], return_when=asyncio.FIRST_COMPLETED)
        if plan_done.done():
            done, how = plan_done.result()
            say(plan_done=done, plan_outcome=how)
        await stopping
        await app.updater.stop()
        await app.stop()
    await db.dispose()


async def measure_startup(design: str, source_db: Path, workdir: Path) -> dict[str, Any]:
    """Copy the database, run the bot in a fresh child process against a fresh fake server
    here, time its start-up and read its memory."""
    from fake_telegram import FakeTelegram

    db_path = workdir / f"{design}.db"
    shutil.copyfile(source_db, db_path)
    server = FakeTelegram(bot_username="nhacviec_bot")
    await server.start()
    lines: dict[str, Any] = {}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        __file__,
        "--child",
        design,
        "--db",
        str(db_path),
        "--base-url",
        server.base_url,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    child = psutil.Process(proc.pid)
    got_line = asyncio.Event()

    async def read() -> None:
        assert proc.stdout is not None
        async for raw in proc.stdout:
            lines.update(json.loads(raw))
            got_line.set()

    reader = asyncio.create_task(read())
    peak = 0
    first_poll = None
    rss_at_poll = 0
    deadline = time.monotonic() + 600
    try:
        # The first getUpdates: its record carries the server's arrival time.
        while first_poll is None:
            if proc.returncode is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{design} child ended or hung before polling")
            polls = [r for r in server.requests[:50] if r.method == "getUpdates"]
            if polls:
                first_poll = polls[0].time
                rss_at_poll = child.memory_info().rss
            else:
                peak = max(peak, child.memory_info().rss)
                await asyncio.sleep(0.01)
        # Then until plan-now has finished and the process is idle.
        while "plan_done" not in lines and time.monotonic() < deadline:
            peak = max(peak, child.memory_info().rss)
            await asyncio.sleep(0.05)
        cpu = child.cpu_times()
        while time.monotonic() < deadline:
            await asyncio.sleep(0.25)
            peak = max(peak, child.memory_info().rss)
            now = child.cpu_times()
            if (now.user + now.system) - (cpu.user + cpu.system) < 0.02:  # < 8% of a core
                break
            cpu = now
        rss_settled = child.memory_info().rss
        peak = max(peak, rss_settled, rss_at_poll)
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        try:
            await asyncio.wait_for(proc.wait(), 30)
        except TimeoutError:
            proc.terminate()  # our own child, by its handle
            await proc.wait()
        reader.cancel()
        await server.stop()
    return {
        "design": design,
        "startup_s": first_poll - lines["t0"],
        "from_exec_s": first_poll - lines["t_exec"],
        "import_s": lines["t_import"] - lines["t_exec"],
        "jobs": lines["jobs"],
        "scheduled": lines["scheduled"],
        "rss_mb": rss_at_poll / MB,
        "rss_settled_mb": rss_settled / MB,
        "rss_peak_mb": peak / MB,
        "plan_s": lines["plan_done"] - lines["t_start"] if "plan_done" in lines else float("nan"),
        "plan_outcome": lines.get("plan_outcome", "unknown"),
    }


# --- 3 & 4: due -> arrival, and the send rate, with Telegram's limits enforced ------------------


class TimeMap:
    """due_at is UTC wall time (SystemClock); the server stamps time.monotonic()."""

    def __init__(self) -> None:
        self.wall, self.mono = time.time(), time.monotonic()

    def mono_of(self, when: dt.datetime) -> float:
        return self.mono + (when.timestamp() - self.wall)


async def insert_due(
    db: Database, rows: list[tuple[int, int, int, dt.datetime]], tag: str
) -> list[int]:
    """Reminder rows (chat, contact, task, due_at); returns their ids."""
    from db.models import Outbox
    from services.outbox import row as outbox_row

    await bulk_insert(
        db,
        Outbox,
        [
            outbox_row(
                kind="reminder",
                dedupe_key=f"{tag}:{task}:{contact}",
                chat_id=chat,
                contact_id=contact,
                task_id=task,
                payload={"at": at.isoformat(), "rule": "before", "offset": 0},
                due_at=at,
            )
            for chat, contact, task, at in rows
        ],
    )
    async with db.session() as session:
        return list(
            (
                await session.scalars(
                    sa.select(Outbox.id).where(Outbox.dedupe_key.like(f"{tag}:%"))
                )
            ).all()
        )


async def outcome(
    db: Database, server: Any, ids: list[int], chats: set[int], since: int, tmap: TimeMap
) -> dict[str, Any]:
    """Match outbox rows with what the server received: delays, lost, duplicated."""
    from db.models import Outbox

    async with db.session() as session:
        rows = (
            await session.execute(
                sa.select(
                    Outbox.id,
                    Outbox.chat_id,
                    Outbox.message_id,
                    Outbox.due_at,
                    Outbox.state,
                    Outbox.claimed_at,
                ).where(Outbox.id.in_(ids))
            )
        ).all()
    arrivals = {
        (m.chat_id, m.message_id): m.time for m in server.sent[since:] if m.chat_id in chats
    }
    delays, to_claim, claim_to_arrival, lost = [], [], [], 0
    for _, chat, message_id, due_at, state, claimed_at in rows:
        arrived = arrivals.get((chat, message_id)) if state == "sent" else None
        if arrived is None:
            lost += 1
            continue
        delays.append((arrived - tmap.mono_of(due_at)) * 1000)
        if claimed_at is not None:  # the dispatcher's claim time (clock.now() at the claim)
            to_claim.append((tmap.mono_of(claimed_at) - tmap.mono_of(due_at)) * 1000)
            claim_to_arrival.append((arrived - tmap.mono_of(claimed_at)) * 1000)
    received = len(arrivals)
    return {
        "rows": len(rows),
        "delays_ms": delays,
        "to_claim_ms": to_claim,
        "claim_to_arrival_ms": claim_to_arrival,
        "lost": lost,
        "extra": received - (len(rows) - lost),
        "arrivals": sorted(arrivals.values()),
    }


async def wait_sent(
    server: Any, chats: set[int], since: int, expected: int, timeout: float
) -> None:
    scanned, seen = since, 0

    def enough() -> bool:
        nonlocal scanned, seen
        sent = server.sent
        while scanned < len(sent):
            seen += sent[scanned].chat_id in chats
            scanned += 1
        return seen >= expected

    await server.wait_for(enough, timeout)


async def delivery(
    db: Database, db_path: Path, agencies: int, delay_rows: int, spread_s: float, sustained: int
) -> dict[str, Any]:
    from fake_telegram import FakeTelegram

    clock.set_clock(SystemClock())
    server = FakeTelegram(bot_username="nhacviec_bot", enforce_limits=True)
    await server.start()
    for a in range(1, agencies + 1):
        server.add_user(CHAT_BASE + a, "Cán bộ", str(a))
    settings = bench_settings(server.base_url, sqlite_url(db_path))
    plan: dict[str, Any] = {}

    def watch(app: Any) -> None:
        plan["done"] = watch_job(app, "plan-now")
        plan["start"] = time.monotonic()

    try:
        async with running_bot(settings, db, before_start=watch):
            plan_done, plan_outcome = await asyncio.wait_for(plan["done"], 600)
            plan_s = plan_done - plan["start"]
            await asyncio.sleep(0.5)
            base_violations, base_429 = server.limit_violations, server.status_counts.get(429, 0)

            # 3. rows falling due at random moments over the next spread_s seconds
            rng = random.Random(3)
            n_chats = delay_rows // 2
            tmap = TimeMap()
            start = clock.now() + dt.timedelta(seconds=1.0)
            due_rows = []
            for i in range(delay_rows):
                a = i % n_chats + 1
                task = (a - 1) * TASKS_PER_AGENCY + 1 + i // n_chats
                at = start + dt.timedelta(seconds=rng.uniform(0, spread_s))
                due_rows.append((CHAT_BASE + a, a, task, at))
            since = len(server.sent)
            ids = await insert_due(db, due_rows, "bench-due")
            chats = {r[0] for r in due_rows}
            watch_s = Stopwatch()
            await wait_sent(server, chats, since, len(ids), timeout=spread_s + 120)
            await asyncio.sleep(1.5)  # anything extra (a duplicate) would show up meanwhile
            delay = await outcome(db, server, ids, chats, since, tmap)
            delay["seconds"] = watch_s.seconds

            # 4. one reminder due now for every contact: a sustained send at the global limit
            await asyncio.sleep(1.1)
            tmap = TimeMap()
            now = clock.now()
            burst_rows = [
                (CHAT_BASE + a, a, (a - 1) * TASKS_PER_AGENCY + 3, now)
                for a in range(1, sustained + 1)
            ]
            since = len(server.sent)
            inserted = time.monotonic()
            ids = await insert_due(db, burst_rows, "bench-burst")
            chats = {r[0] for r in burst_rows}
            await wait_sent(server, chats, since, len(ids), timeout=sustained / 20 + 120)
            await asyncio.sleep(1.5)
            burst = await outcome(db, server, ids, chats, since, tmap)
            burst["inserted"] = inserted
            violations = server.limit_violations - base_violations
            refused = server.status_counts.get(429, 0) - base_429
            events = await count_rows(
                db, sa.text("SELECT count(*) FROM outbox WHERE kind = 'event'")
            )
    finally:
        await server.stop()
    arrivals = burst["arrivals"]
    span = arrivals[-1] - arrivals[0] if len(arrivals) > 1 else float("nan")
    steady = (len(arrivals) - 1) / span if span else float("nan")
    overall = len(arrivals) / (arrivals[-1] - burst["inserted"]) if arrivals else float("nan")
    # The busiest and the quietest full second of the send (a window check of the limit).
    buckets: dict[int, int] = {}
    for t in arrivals:
        buckets[int(t - arrivals[0])] = buckets.get(int(t - arrivals[0]), 0) + 1
    full = [n for s, n in buckets.items() if s < int(span)] if arrivals else []
    return {
        "plan_s": plan_s,
        "plan_outcome": plan_outcome,
        "event_rows": events,
        "delay": delay,
        "burst": burst,
        "violations": violations,
        "status_429": refused,
        "steady_per_s": steady,
        "overall_per_s": overall,
        "span_s": span,
        "min_second": min(full) if full else 0,
        "max_second": max(full) if full else 0,
        "dispatch_interval_s": settings.dispatch_interval_s,
        "dispatch_batch": settings.dispatch_batch,
    }


# --- main --------------------------------------------------------------------------------


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    agencies = args.agencies or (400 if args.quick else 2000)
    sustained = min(agencies, 300 if args.quick else 2000)
    delay_rows = 120 if args.quick else 600
    spread_s = delay_rows / 20.0  # 20 rows/s on average: under the 30/s limit
    now = dt.datetime.now(clock.UTC)
    async with temp_database() as (db, path):
        watch = Stopwatch()
        pending = await build_dataset(db, agencies, now)
        insert_s = watch.seconds
        await db.dispose()  # checkpoint the WAL so the file can be copied whole
        print(
            f"... {pending:,} pending reminders inserted in {insert_s:.1f} s; start-up children",
            file=sys.stderr,
            flush=True,
        )
        real = await measure_startup("real", path, path.parent)
        naive = await measure_startup("naive", path, path.parent)
        print(
            "... due -> arrival and sustained send (limits enforced)", file=sys.stderr, flush=True
        )
        db = Database(sqlite_url(path))
        try:
            sends = await delivery(db, path, agencies, delay_rows, spread_s, sustained)
        finally:
            await db.dispose()
    return {
        "pending": pending,
        "agencies": agencies,
        "insert_s": insert_s,
        "real": real,
        "naive": naive,
        "sends": sends,
        "delay_rows": delay_rows,
        "spread_s": spread_s,
    }


def report(r: dict[str, Any]) -> dict[str, Any]:
    real, naive, s = r["real"], r["naive"], r["sends"]
    print(
        f"Reminders: {r['pending']:,} pending rows ({r['agencies']:,} agencies x "
        f"{TASKS_PER_AGENCY} tasks x {OCCURRENCES} reminders, one official each), SQLite"
    )
    print()
    print("1-2. Start-up (build_application -> first getUpdates at the server), fresh process each")
    print(
        table(
            [
                "design",
                "jobs",
                "start-up s",
                "from exec s",
                "RSS at poll MB",
                "RSS settled MB",
                "RSS peak MB",
                "plan-now",
            ],
            [
                [
                    d["design"]
                    + (" (outbox rows)" if d["design"] == "real" else " (1 job/reminder)"),
                    d["scheduled"],
                    d["startup_s"],
                    d["from_exec_s"],
                    d["rss_mb"],
                    d["rss_settled_mb"],
                    d["rss_peak_mb"],
                    f"{d['plan_outcome']} after {d['plan_s']:.2f} s",
                ]
                for d in (real, naive)
            ],
            digits=2,
        )
    )
    print(
        "jobs = jobs in the JobQueue after start; RSS settled = once plan-now is over and the "
        "process idle; plan-now = the bot's start-up planning job (missed = APScheduler "
        "dropped it: it could not start within its 1 s misfire grace time)"
    )
    print(
        f"naive / real: start-up x{naive['startup_s'] / real['startup_s']:.1f}, "
        f"RSS at poll x{naive['rss_mb'] / real['rss_mb']:.2f} "
        f"(+{naive['rss_mb'] - real['rss_mb']:.0f} MB, "
        f"{(naive['rss_mb'] - real['rss_mb']) * MB / max(1, naive['jobs']) / 1024:.1f} "
        "KiB per job); "
        f"imports {real['import_s']:.2f} s before build_application"
    )
    print()
    d, b = s["delay"], s["burst"]
    print(
        f"3. Due -> arrival, limits enforced: {d['rows']} reminders "
        f"for {d['rows'] // 2} chats due at "
        f"random over {r['spread_s']:.1f} s; dispatch job every {s['dispatch_interval_s']} s, "
        f"batch {s['dispatch_batch']}"
    )

    def row(label: str, values: list[float], *extra: Any) -> list[Any]:
        return [
            label,
            percentile(values, 50),
            percentile(values, 90),
            percentile(values, 99),
            max(values, default=float("nan")),
            *extra,
        ]

    print(
        table(
            ["measure", "p50 ms", "p90 ms", "p99 ms", "max ms", "lost", "extra"],
            [
                row("due -> arrival", d["delays_ms"], d["lost"], d["extra"]),
                row("  due -> claimed by the dispatcher", d["to_claim_ms"], "", ""),
                row("  claimed -> arrival", d["claim_to_arrival_ms"], "", ""),
            ],
        )
    )
    print()
    fraction = s["steady_per_s"] / LIMIT_PER_S
    print(f"4. Sustained send: {b['rows']:,} reminders due at once to {b['rows']:,} distinct chats")
    print(
        table(
            ["measure", "value", "x limit"],
            [
                ["messages/s, first -> last arrival", s["steady_per_s"], fraction],
                [
                    "messages/s, due -> last arrival",
                    s["overall_per_s"],
                    s["overall_per_s"] / LIMIT_PER_S,
                ],
                ["busiest / quietest full second", f"{s['max_second']} / {s['min_second']}", "-"],
                ["lost / duplicated", f"{b['lost']} / {b['extra']}", "-"],
                ["limit violations / 429 answers", f"{s['violations']} / {s['status_429']}", "-"],
            ],
            digits=3,
        )
    )
    print(
        f"target >= {TARGET_FRACTION} of {LIMIT_PER_S:.0f}/s: "
        f"{'ok' if fraction >= TARGET_FRACTION else 'BELOW'}; the bot's own plan-now at start "
        f"{s['plan_outcome']} after {s['plan_s']:.1f} s; "
        f"outbox now holds {s['event_rows']:,} event-notice rows"
    )
    return {
        "pending": r["pending"],
        "startup_s": rounded(real["startup_s"], 3),
        "rss_mb": rounded(real["rss_mb"], 1),
        "naive_startup_s": rounded(naive["startup_s"], 3),
        "naive_rss_mb": rounded(naive["rss_mb"], 1),
        "delay_p50_ms": rounded(percentile(d["delays_ms"], 50), 1),
        "delay_p99_ms": rounded(percentile(d["delays_ms"], 99), 1),
        "limit_fraction": rounded(fraction, 3),
        "rss_settled_mb": rounded(real["rss_settled_mb"], 1),
        "naive_rss_settled_mb": rounded(naive["rss_settled_mb"], 1),
        "plan_now_s": rounded(real["plan_s"], 2),
        "naive_plan_now": naive["plan_outcome"],
        "delay_lost": d["lost"],
        "delay_extra": d["extra"],
        "sustained_messages": b["rows"],
        "lost": b["lost"],
        "duplicated": b["extra"],
        "violations": s["violations"],
        "status_429": s["status_429"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="20,000 pending, shorter sends (< 60 s)"
    )
    parser.add_argument("--agencies", type=int, default=0, help="agencies (x50 pending rows)")
    parser.add_argument("--child", choices=["real", "naive"], help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--base-url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        asyncio.run(child_main(args.child, args.db, args.base_url))
        return 0
    return run_and_report(bench, report, args)


if __name__ == "__main__":
    sys.exit(main())
