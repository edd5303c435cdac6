"""Status updates end to end, and /tonghop for a whole province.

    uv run python bench/updates.py [--quick] [--inproc]

Part 1 - status-changing updates: throughput and latency (SQLite, the real Application):
  For each configuration - the default settings (concurrent_updates=128, one chat's updates
  in order: bot/ordering.py), then Settings(concurrent_updates=1), and in the full run the
  default without coordinators - a
  fresh temporary SQLite database gets U agencies with one task and one linked official
  each (services.agencies.add_agency, services.tasks.add_task, services.invites
  create_invite/redeem_invite) and 2 coordinators. Every official sends /viec through the
  fake server and gets the task message with its buttons. Then the officials send status
  changes that alternate so that each one changes the task: press "t:<id>:p", press
  "t:<id>:d", reply "đang thực hiện", reply "đã xong" (to the /viec message), ... Nobody
  sends again before the answer to their previous update arrived. Three phases:
  * light: updates queued at 10/s (open loop) - latency without queueing;
  * target: updates queued at 200/s (open loop over the U officials) - latency at the
    target rate;
  * saturation: every official sends again as soon as answered - throughput =
    updates answered / (last answer - first queued).
  Latency = from queuing the update at the fake server to the bot's answer arriving there
  (answerCallbackQuery for a press, the reply message for a reply); the redraw of the task
  message (editMessageText) is reported too. CPU time of the bot's process per update is
  measured with psutil. Coordinator notices (each change's notice on its history row,
  queued by the real dispatcher job as messages of up to 40 lines per coordinator) flow
  meanwhile: not counted, their backlog is reported.
  Every change is checked in the database (one "progress" history row per update).

The floor - python-telegram-bot alone: the same Bot API side (bot.app.application_builder)
  with handlers that only answer (no database, no services), at saturation in the same run.
  Its rate is what the library allows on this machine right now; the bot's rate is also
  given as a fraction of it, which varies far less between runs than either rate does.

Part 2 - /tonghop for 500 agencies x 20 tasks (10,000 tasks, bulk-inserted):
  end to end (command queued at the fake server -> last summary message arrived there)
  and the service alone (services.summary.summarize + bot.render.summary_messages),
  median of several runs. Full run only: the same /tonghop with Telegram's flood limits
  enforced, and how long another person's /help waits meanwhile.

By default the fake server and the simulated users run in a child process (this script
with --serve), so the measured bot has this process to itself, as with real Telegram;
--inproc puts them in the bot's process. Times are taken on the server side with
time.monotonic(). The last line is one JSON object:
{"updates_per_s", "p95_ms", "tonghop_ms", ...}; the headline is the default settings.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import math
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import contextlib

import psutil
import sqlalchemy as sa
from common import (
    FakeProcess,
    LocalFake,
    Stopwatch,
    bench_settings,
    bulk_insert,
    count_rows,
    fmt,
    percentile,
    rounded,
    run_and_report,
    running_bot,
    serve_fake,
    sqlite_url,
    table,
    temp_database,
)

from services import clock
from services.clock import VN_TZ, FrozenClock
from services.settings import Settings

START = dt.datetime(2026, 11, 23, 9, 0, tzinfo=VN_TZ)  # a Monday morning, as in the tests
TARGET_RATE = 200.0  # updates/s
TARGET_P95_MS = 50.0
TARGET_TONGHOP_MS = 200.0
COORDINATORS = 2
DEFAULT_CONCURRENCY = int(Settings.model_fields["concurrent_updates"].default)

REPLY_TEXT = {"p": "đang thực hiện", "d": "đã xong"}

# ============================================================================================
# The simulated users: these run where the fake server runs (child process or in-process).
# ============================================================================================


async def op_add_users(server: Any, users: list[list]) -> int:
    for user_id, first, last in users:
        server.add_user(int(user_id), first, last)
    return len(users)


async def op_viec(server: Any, chats: list[int], timeout: float) -> dict[str, Any]:
    """Every chat sends /viec and opens its task's card; returns each chat's first new bot
    message (the list, showing the card) and its buttons."""
    start = len(server.sent)
    for chat in chats:
        server.user_sends(chat, chat, "/viec")
    wanted = set(chats)
    first: dict[int, Any] = {}
    scanned = start

    def done() -> bool:
        nonlocal scanned
        sent = server.sent
        while scanned < len(sent):
            record = sent[scanned]
            scanned += 1
            if record.chat_id in wanted and record.chat_id not in first:
                first[record.chat_id] = record
        return len(first) == len(wanted)

    await server.wait_for(done, timeout)
    # /viec lists the tasks with a button each; the updates go to the task's card, opened
    # in place (the list message then shows it), as a person would.
    for chat, record in first.items():
        opening = next((d for d in record.callback_data if d.startswith("v:c:")), None)
        if opening is not None:
            server.user_presses(chat, record.message_id, opening, chat)
    await server.wait_for(
        lambda: all(not r.callback_data[0].startswith("v:c:") for r in first.values()), timeout
    )
    return {
        str(c): {"message_id": r.message_id, "buttons": r.callback_data} for c, r in first.items()
    }


async def op_load(
    server: Any, sequences: dict[str, list[list]], rate: float | None, timeout: float
) -> dict[str, Any]:
    """Let simulated officials send their updates and time the bot's answers.

    `sequences` maps a chat to its updates, in order: ["press", message_id, callback_data]
    or ["reply", message_id, text]. Nobody sends again before the answer to their previous
    update has arrived (as a person reading the answer would), so a chat never has two
    updates in processing and every update changes the task.
    * rate None (saturation): every official starts at once and sends the next update as
      soon as the previous one is answered;
    * rate r (paced): an update is due every 1/r s (open loop); it goes to the next official
      with nothing in flight. If every official is waiting for an answer, it goes out as soon
      as one is answered ("late"), so the offered rate falls below r."""
    from bot import texts

    chats = [int(c) for c in sequences]
    seq = {int(c): items for c, items in sequences.items()}
    pos = dict.fromkeys(chats, 0)
    total = sum(len(items) for items in seq.values())
    in_flight: dict[int, dict[str, Any]] = {}  # chat -> record of its unanswered update
    by_query: dict[str, int] = {}
    awaiting_edit: dict[int, list[dict[str, Any]]] = {}
    records: list[dict[str, Any]] = []
    idle = asyncio.Event()
    scan = {
        "answers": len(server.callback_answers),
        "sent": len(server.sent),
        "edits": len(server.edits),
    }
    closed_loop = rate is None

    def fire(chat: int) -> None:
        kind, message_id, data = seq[chat][pos[chat]]
        pos[chat] += 1
        record = {"chat": chat, "kind": kind, "answered": 0.0, "edited": 0.0, "text": None}
        if kind == "press":
            query_id = server.user_presses(chat, message_id, data, chat)
            by_query[query_id] = chat
        else:
            server.user_sends(chat, chat, data, reply_to=message_id)
        record["queued"] = time.monotonic()
        in_flight[chat] = record
        records.append(record)

    def answered(chat: int, at: float, text: str | None) -> None:
        record = in_flight.pop(chat)
        record["answered"], record["text"] = at, text or ""
        if record["kind"] == "press" and not record["edited"]:
            awaiting_edit.setdefault(chat, []).append(record)
        if closed_loop:
            if pos[chat] < len(seq[chat]):
                fire(chat)
        else:
            idle.set()

    def progress() -> bool:
        answers = server.callback_answers
        while scan["answers"] < len(answers):
            a = answers[scan["answers"]]
            scan["answers"] += 1
            chat = by_query.pop(str(a.callback_query_id), None)
            if chat is not None:
                answered(chat, a.time, a.text)
        sent = server.sent
        while scan["sent"] < len(sent):
            m = sent[scan["sent"]]
            scan["sent"] += 1
            record = in_flight.get(m.chat_id)
            if record is not None and record["kind"] == "reply":
                answered(m.chat_id, m.time, m.text)
        edits = server.edits
        while scan["edits"] < len(edits):
            e = edits[scan["edits"]]
            scan["edits"] += 1
            waiting = awaiting_edit.get(e.chat_id)
            pending = in_flight.get(e.chat_id)
            if waiting:
                waiting.pop(0)["edited"] = e.time
            elif pending is not None and pending["kind"] == "press" and not pending["edited"]:
                pending["edited"] = e.time  # the redraw went out with the pop-up, and won
        return len(records) == total and not in_flight

    late = 0
    watcher = asyncio.ensure_future(server.wait_for(progress, timeout))
    t0 = time.monotonic()
    if closed_loop:
        for chat in chats:
            if seq[chat]:
                fire(chat)
    else:
        turn = 0
        for i in range(total):
            delay = t0 + i / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            waited = False
            while True:
                progress()  # take in the answers that arrived meanwhile
                chat = None
                for k in range(len(chats)):
                    candidate = chats[(turn + k) % len(chats)]
                    if candidate not in in_flight and pos[candidate] < len(seq[candidate]):
                        chat, turn = candidate, (turn + k + 1) % len(chats)
                        break
                if chat is not None:
                    break
                waited = True
                idle.clear()
                await idle.wait()
            late += waited
            fire(chat)
    timed_out = False
    try:
        await watcher
    except TimeoutError:
        timed_out = True
    # a press is fully handled when its message was redrawn (editMessageText) too
    with contextlib.suppress(TimeoutError):
        await server.wait_for(lambda: (progress() or True) and not any(awaiting_edit.values()), 5.0)

    ok_prefixes = ("✅ Đã ghi nhận", "⏳ Đã ghi nhận")
    done = [r for r in records if r["answered"]]
    unexpected = [r["text"] for r in done if not r["text"].startswith(ok_prefixes)]
    return {
        "n": total,
        "answered": len(done),
        "timed_out": timed_out,
        "late": late,
        "press_ms": [(r["answered"] - r["queued"]) * 1000 for r in done if r["kind"] == "press"],
        "reply_ms": [(r["answered"] - r["queued"]) * 1000 for r in done if r["kind"] == "reply"],
        "edit_ms": [(r["edited"] - r["queued"]) * 1000 for r in done if r["edited"]],
        "first_queued": min(r["queued"] for r in records),
        "last_queued": max(r["queued"] for r in records),
        "first_answer": min((r["answered"] for r in done), default=0.0),
        "last_answer": max((r["answered"] for r in done), default=0.0),
        "errors": sum(1 for r in done if r["text"] == texts.SOMETHING_WRONG),
        "unexpected": len(unexpected),
        "unexpected_sample": unexpected[:3],
    }


async def op_count_messages(server: Any, chats: list[int]) -> int:
    return sum(len(server.messages_to(c)) for c in chats)


async def op_tonghop(
    server: Any, chat: int, expect: int, repeats: int, timeout: float
) -> dict[str, Any]:
    """/tonghop `repeats` times; ms from queuing the command to the last summary message."""
    times, sizes = [], []
    for _ in range(repeats):
        before = len(server.messages_to(chat))
        server.user_sends(chat, chat, "/tonghop")
        queued = time.monotonic()
        messages = await server.wait_for_messages(chat, before + expect, timeout)
        new = messages[before:]
        times.append((new[-1].time - queued) * 1000)
        sizes.append(sum(len(m.text or "") for m in new))
        await asyncio.sleep(0.05)
    extra = len(server.messages_to(chat)) - before - expect
    return {"ms": times, "chars": sizes, "extra_messages": extra}


async def op_tonghop_limited(server: Any, chat: int, expect: int, probe: int) -> dict[str, Any]:
    """One /tonghop with Telegram's flood limits enforced: how much arrives, how many 429s,
    how long it takes, and how long another person's /help waits meanwhile."""
    await asyncio.sleep(1.1)  # let the chat's 1-second window empty
    server.add_user(probe, "Người", "thử")
    server.enforce_limits = True
    violations, refused = server.limit_violations, server.status_counts.get(429, 0)
    before, probe_before = len(server.messages_to(chat)), len(server.messages_to(probe))
    server.user_sends(chat, chat, "/tonghop")
    queued = time.monotonic()
    await asyncio.sleep(1.0)
    server.user_sends(probe, probe, "/help")
    probe_queued = time.monotonic()
    with contextlib.suppress(TimeoutError):
        await server.wait_for(
            lambda: (
                len(server.messages_to(chat)) - before >= expect
                and len(server.messages_to(probe)) > probe_before
            ),
            300,
        )
    server.enforce_limits = False
    got = server.messages_to(chat)[before:]
    answer = server.messages_to(probe)[probe_before:]
    return {
        "expected": expect,
        "delivered": len(got),
        "seconds": (got[-1].time - queued) if got else None,
        "probe_s": (answer[0].time - probe_queued) if answer else None,
        "violations": server.limit_violations - violations,
        "status_429": server.status_counts.get(429, 0) - refused,
    }


OPS = {
    "add_users": op_add_users,
    "viec": op_viec,
    "load": op_load,
    "count_messages": op_count_messages,
    "tonghop": op_tonghop,
    "tonghop_limited": op_tonghop_limited,
}

# ============================================================================================
# The bot side: setup through the services, the real Application, checks in the database.
# ============================================================================================


async def setup_officials(db: Any, n: int, chat_base: int) -> list[tuple[int, int, str]]:
    """n agencies, one task and one linked official each; returns (chat, task_id, name)."""
    from services import agencies, invites, tasks

    today = START.astimezone(VN_TZ).date()
    out = []
    for i in range(n):
        chat = chat_base + i
        name = f"Cán bộ {i:04d}"
        async with db.session() as session:
            code = f"X{chat}"
            await agencies.add_agency(session, name=f"UBND xã Thử nghiệm {chat}", code=code)
            view = await tasks.add_task(
                session,
                agency_ref=code,
                title=f"Báo cáo công tác bảo vệ trẻ em quý IV của xã số {i}",
                due_date=today + dt.timedelta(days=20 + i % 40),
            )
            invite, _ = await invites.create_invite(session, agency_ref=code)
            await invites.redeem_invite(
                session,
                code=invite.code,
                chat_id=chat,
                chat_type="private",
                user_id=chat,
                display_name=name,
            )
        out.append((chat, view.id, name))
    return out


async def setup_coordinators(db: Any, chats: list[int]) -> None:
    """Coordinators made as the bot makes them (tests/harness.make_coordinator)."""
    from tests.harness import make_coordinator

    for chat in chats:
        async with db.session() as session:
            await make_coordinator(session, chat)


class Plan:
    """Each official alternates p, d (buttons), p, d (replies), ... so every update changes
    the task; the alternation carries on from one phase to the next."""

    def __init__(self, officials: list[tuple[int, int, str]], cards: dict[str, Any]) -> None:
        self.officials = officials
        self.cards = cards
        self.step = {chat: 0 for chat, _, _ in officials}

    def take(self, n: int) -> dict[str, list[list]]:
        """n updates spread evenly over the officials: {chat: [update, ...]}."""
        sequences: dict[str, list[list]] = {str(chat): [] for chat, _, _ in self.officials}
        for i in range(n):
            chat, task_id, _ = self.officials[i % len(self.officials)]
            k = self.step[chat]
            self.step[chat] = k + 1
            action = "p" if k % 2 == 0 else "d"
            message_id = self.cards[str(chat)]["message_id"]
            if (k // 2) % 2 == 0:
                sequences[str(chat)].append(["press", message_id, f"t:{task_id}:{action}"])
            else:
                sequences[str(chat)].append(["reply", message_id, REPLY_TEXT[action]])
        return sequences


PHASES = ("light", "target", "saturation")


def summarize_load(
    result: dict[str, Any], cpu_s: float, server_cpu_s: float = math.nan
) -> dict[str, Any]:
    lat = result["press_ms"] + result["reply_ms"]
    span = result["last_answer"] - result["first_queued"]
    queued_span = result["last_queued"] - result["first_queued"]
    return {
        "n": result["n"],
        "answered": result["answered"],
        "per_s": result["answered"] / span if span > 0 else math.nan,
        "offered_per_s": (result["n"] - 1) / queued_span if queued_span > 0 else math.nan,
        "late": result["late"],
        "p50": percentile(lat, 50),
        "p95": percentile(lat, 95),
        "p99": percentile(lat, 99),
        "press_p95": percentile(result["press_ms"], 95),
        "reply_p95": percentile(result["reply_ms"], 95),
        "edit_p95": percentile(result["edit_ms"], 95),
        "cpu_ms": cpu_s * 1000 / max(1, result["answered"]),
        "cpu_share": cpu_s / span if span > 0 else math.nan,
        "server_cpu_share": server_cpu_s / span if span > 0 else math.nan,
        "errors": result["errors"],
        "unexpected": result["unexpected"],
        "unexpected_sample": result["unexpected_sample"],
        "timed_out": result["timed_out"],
    }


async def run_config(
    side: Any,
    label: str,
    *,
    concurrency: int,
    users: int,
    sizes: dict[str, int],
    chat_base: int,
    coordinators: int = COORDINATORS,
    light_rate: float,
    target_rate: float,
) -> dict[str, Any]:
    """One configuration in a fresh database: setup, /viec for everyone, the load phases."""
    from db.models import Outbox, TaskEvent
    from services.settings import use_settings

    async with temp_database() as (db, path):
        settings = bench_settings(side.base_url, sqlite_url(path), concurrent_updates=concurrency)
        use_settings(settings)
        watch = Stopwatch()
        officials = await setup_officials(db, users, chat_base)
        coordinator_chats = [chat_base + 9000 + j for j in range(coordinators)]
        await setup_coordinators(db, coordinator_chats)
        await side.call(
            "add_users",
            users=[[c, "Cán", f"bộ {c}"] for c, _, _ in officials]
            + [[c, "Điều", f"phối {c}"] for c in coordinator_chats],
        )
        setup_s = watch.seconds
        me = psutil.Process()
        phases: dict[str, Any] = {}
        async with running_bot(settings, db):
            cards = await side.call("viec", chats=[c for c, _, _ in officials], timeout=300)
            plan = Plan(officials, cards)
            await asyncio.sleep(0.5)  # the start-up jobs (plan-now) run meanwhile
            rates = {"light": light_rate, "target": target_rate, "saturation": None}
            for phase in PHASES:
                if not sizes.get(phase):
                    continue
                cpu, server_cpu = me.cpu_times(), side.cpu_seconds()
                result = await side.call(
                    "load", sequences=plan.take(sizes[phase]), rate=rates[phase], timeout=900
                )
                used = me.cpu_times()
                cpu_s = (used.user + used.system) - (cpu.user + cpu.system)
                phases[phase] = summarize_load(result, cpu_s, side.cpu_seconds() - server_cpu)
                await asyncio.sleep(0.3)
            changes = await count_rows(
                db,
                sa.select(sa.func.count())
                .select_from(TaskEvent)
                .where(TaskEvent.action == "progress"),
            )
            notices: dict[str, int] = {}  # changes to tell: pending, queued (into messages)
            notice_rows: dict[str, int] = {}  # their messages, by outbox state
            async with db.session() as session:
                for state, n in (
                    await session.execute(
                        sa.select(TaskEvent.notice_state, sa.func.count())
                        .where(TaskEvent.notice_state.is_not(None))
                        .group_by(TaskEvent.notice_state)
                    )
                ).all():
                    notices[state] = n
                for state, n in (
                    await session.execute(
                        sa.select(Outbox.state, sa.func.count())
                        .where(Outbox.kind == "notices")
                        .group_by(Outbox.state)
                    )
                ).all():
                    notice_rows[state] = n
            notice_messages = await side.call("count_messages", chats=coordinator_chats)
    return {
        "label": label,
        "concurrency": concurrency,
        "users": users,
        "setup_s": setup_s,
        "coordinators": coordinators,
        "phases": phases,
        "updates": sum(p["n"] for p in phases.values()),
        "changes": changes,
        "notices": notices,
        "notice_rows": notice_rows,
        "notice_messages": notice_messages,
    }


# --- the floor: python-telegram-bot alone ---------------------------------------------------


async def run_floor(side: Any, *, users: int, n: int, chat_base: int) -> dict[str, Any]:
    """The same Bot API side as the bot (bot.app.application_builder: network layer,
    concurrency, 429 handling) with handlers that only answer: no database, no services.
    Its rate is what python-telegram-bot itself allows on this machine in this run, so the
    bot's rate is also reported as a fraction of it (the machine's speed varies between runs;
    the ratio much less)."""
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup
    from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

    from bot.app import application_builder

    def keyboard(task_id: int) -> InlineKeyboardMarkup:
        return InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(label, callback_data=f"t:{task_id}:{a}")
                    for label, a in (("✅", "d"), ("⏳", "p"), ("⚠️", "b"), ("📅", "x"))
                ]
            ]
        )

    async def viec(update: Any, context: Any) -> None:
        await update.message.reply_text(
            "Việc: Báo cáo quý IV", reply_markup=keyboard(update.effective_chat.id)
        )

    async def press(update: Any, context: Any) -> None:
        query = update.callback_query
        await query.answer("✅ Đã ghi nhận")
        await query.edit_message_text(
            f"Việc: Báo cáo quý IV ({query.data})", reply_markup=keyboard(update.effective_chat.id)
        )

    async def reply(update: Any, context: Any) -> None:
        await update.message.reply_text("✅ Đã ghi nhận")

    chats = [chat_base + i for i in range(users)]
    await side.call("add_users", users=[[c, "Cán", f"bộ {c}"] for c in chats])
    # Settings want a database URL; this application never opens it.
    app = application_builder(bench_settings(side.base_url, sqlite_url(Path("unused.db")))).build()
    app.add_handlers(
        [
            CommandHandler("viec", viec),
            CallbackQueryHandler(press),
            MessageHandler(filters.TEXT & filters.REPLY, reply),
        ]
    )
    me = psutil.Process()
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(timeout=10)
        try:
            cards = await side.call("viec", chats=chats, timeout=60)
            plan = Plan([(c, c, "") for c in chats], cards)
            cpu = me.cpu_times()
            result = await side.call("load", sequences=plan.take(n), rate=None, timeout=600)
            used = me.cpu_times()
        finally:
            await app.updater.stop()
            await app.stop()
    return summarize_load(result, (used.user + used.system) - (cpu.user + cpu.system))


# --- /tonghop ------------------------------------------------------------------------------


def province_rows(n_agencies: int, tasks_per: int, seed: int = 7) -> tuple[list[dict], list[dict]]:
    """Agencies and tasks of a province mid-way through its plan: deadlines from 90 days ago
    to 180 days ahead; most past tasks done (some late), a few overdue; some in progress,
    some with obstacles or waiting extension requests."""
    rng = random.Random(seed)
    now = START.astimezone(clock.UTC)
    today = START.date()
    kinds = ["Sở", "UBND huyện", "UBND xã", "Phòng", "Ban"]
    agencies, tasks = [], []
    for a in range(1, n_agencies + 1):
        name = f"{kinds[a % len(kinds)]} Thử nghiệm số {a:03d}"
        agencies.append(
            {
                "id": a,
                "code": f"T{a:04d}",
                "name": name,
                "name_key": name.lower(),
                "requested": a % 3 == 0,
                "created_at": now,
            }
        )
        for t in range(tasks_per):
            due = today + dt.timedelta(days=rng.randint(-90, 180))
            past = due < today
            progress, done_at = "open", None
            if rng.random() < (0.85 if past else 0.15):
                progress = "done"
                late = past and rng.random() < 0.2
                done_at = dt.datetime.combine(due, dt.time(10), tzinfo=VN_TZ) + dt.timedelta(
                    days=rng.randint(1, 10) if late else -rng.randint(0, 10)
                )
                done_at = min(done_at, now)
            elif rng.random() < 0.3:
                progress = "in_progress"
            blocked = progress != "done" and rng.random() < 0.05
            ext = progress != "done" and rng.random() < 0.03
            tasks.append(
                {
                    "agency_id": a,
                    "kind": "task",
                    "progress": progress,
                    "done_at": done_at,
                    "title": (
                        f"Nhiệm vụ {t + 1:02d}: triển khai công tác bảo vệ, "
                        "chăm sóc trẻ em năm 2026"
                    ),
                    "due_date": due,
                    "due_time": None,
                    "blocked": blocked,
                    "block_note": "Chưa bố trí được kinh phí" if blocked else None,
                    "extension_requested": ext,
                    "extension_date": max(due, today) + dt.timedelta(days=30) if ext else None,
                    "extension_note": None,
                    "reminder_offsets": None,
                    "plan_id": None,
                    "source_key": None,
                    "created_at": now,
                    "updated_at": now,
                }
            )
    return agencies, tasks


async def run_tonghop(
    side: Any, n_agencies: int, tasks_per: int, repeats: int, chat: int, with_limits: bool
) -> dict[str, Any]:
    from bot import render
    from db.models import Agency, Contact, Task
    from services import summary

    async with temp_database() as (db, path):
        settings = bench_settings(side.base_url, sqlite_url(path))
        agencies, tasks = province_rows(n_agencies, tasks_per)
        watch = Stopwatch()
        await bulk_insert(db, Agency, agencies)
        await bulk_insert(db, Task, tasks)
        await bulk_insert(
            db,
            Contact,
            [
                {
                    "chat_id": chat,
                    "chat_type": "private",
                    "user_id": chat,
                    "display_name": "Điều phối",
                    "agency_id": None,
                    "role": "coordinator",
                    "reachable": True,
                    "unreachable_reason": None,
                    "linked_at": START.astimezone(clock.UTC),
                }
            ],
        )
        insert_s = watch.seconds
        await side.call("add_users", users=[[chat, "Điều", "phối tổng hợp"]])

        query_ms, service_ms = [], []
        messages: list[str] = []
        result = None
        for _ in range(repeats):
            watch = Stopwatch()
            async with db.session() as session:
                result = await summary.summarize(session)
            query_ms.append(watch.seconds * 1000)
            messages = render.summary_messages(result)
            service_ms.append(watch.seconds * 1000)
        assert result is not None
        overdue = sum(len(a.overdue) for a in result.agencies)
        async with running_bot(settings, db):
            await asyncio.sleep(0.5)  # start-up jobs
            e2e = await side.call(
                "tonghop", chat=chat, expect=len(messages), repeats=repeats, timeout=60
            )
            limited = None
            if with_limits:
                limited = await side.call(
                    "tonghop_limited", chat=chat, expect=len(messages), probe=chat + 1
                )
    return {
        "agencies": n_agencies,
        "tasks": n_agencies * tasks_per,
        "insert_s": insert_s,
        "overdue": overdue,
        "messages": len(messages),
        "chars": sum(len(m) for m in messages),
        "query_ms": query_ms,
        "service_ms": service_ms,
        "e2e_ms": e2e["ms"],
        "extra_messages": e2e["extra_messages"],
        "limited": limited,
    }


# --- main --------------------------------------------------------------------------------------


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    clock.set_clock(FrozenClock(START))
    quick = args.quick
    users = args.users or (50 if quick else 400)
    sizes = {
        "light": args.light or (15 if quick else 150),
        "target": args.target or (100 if quick else 1200),
        "saturation": args.saturation or (150 if quick else 1500),
    }
    repeats = 3 if quick else 10
    configs_wanted = [
        (f"default ({DEFAULT_CONCURRENCY})", DEFAULT_CONCURRENCY, COORDINATORS),
        ("concurrent 1", 1, COORDINATORS),
    ]
    if not quick:
        label = f"default ({DEFAULT_CONCURRENCY}), no coordinators"
        configs_wanted.append((label, DEFAULT_CONCURRENCY, 0))
    side = LocalFake(OPS) if args.inproc else FakeProcess(Path(__file__))
    async with side:
        configs = []
        for index, (label, concurrency, coordinators) in enumerate(configs_wanted):
            wanted = sizes if coordinators else {"saturation": sizes["saturation"]}
            print(f"... {label}: {users} officials, updates {wanted}", file=sys.stderr, flush=True)
            configs.append(
                await run_config(
                    side,
                    label,
                    concurrency=concurrency,
                    users=users,
                    sizes=wanted,
                    chat_base=100_000 + index * 10_000,
                    coordinators=coordinators,
                    light_rate=args.light_rate,
                    target_rate=args.rate,
                )
            )
        print("... floor: python-telegram-bot alone", file=sys.stderr, flush=True)
        floor = await run_floor(side, users=users, n=sizes["saturation"], chat_base=150_000)
        print("... /tonghop", file=sys.stderr, flush=True)
        tonghop = await run_tonghop(side, 500, 20, repeats, chat=990_001, with_limits=not quick)
    return {
        "configs": configs,
        "floor": floor,
        "tonghop": tonghop,
        "inproc": args.inproc,
        "users": users,
        "rate": args.rate,
        "light_rate": args.light_rate,
    }


def report(r: dict[str, Any]) -> dict[str, Any]:
    where = "in this process" if r["inproc"] else "in a child process"
    print(
        f"Status-changing updates end to end: real Application, SQLite, fake Bot API server "
        f"{where}; {r['users']} officials"
    )
    print(f"target: >= {TARGET_RATE:.0f} updates/s with p95 <= {TARGET_P95_MS:.0f} ms")
    rows = []
    for c in r["configs"]:
        for phase, s in c["phases"].items():
            rows.append(
                [
                    f"{c['label']} | {phase}",
                    s["n"],
                    s["offered_per_s"],
                    s["per_s"],
                    s["p50"],
                    s["p95"],
                    s["p99"],
                    s["edit_p95"],
                    s["cpu_ms"],
                    s["cpu_share"] * 100,
                    s["server_cpu_share"] * 100,
                    s["errors"] + s["unexpected"],
                ]
            )
    print(
        table(
            [
                "config | phase",
                "updates",
                "offered/s",
                "done/s",
                "p50 ms",
                "p95 ms",
                "p99 ms",
                "edit p95",
                "CPU ms/upd",
                "CPU %",
                "server CPU %",
                "bad",
            ],
            rows,
        )
    )
    print(
        f"phases: light = queued at {r['light_rate']:.0f}/s; target = queued at "
        f"{r['rate']:.0f}/s; saturation = every official sends again as soon as answered."
    )
    print(
        "latency = queued at the server -> answerCallbackQuery (press) / reply message there; "
        "'edit p95' = -> the task message redrawn; CPU = this (bot) process, "
        "server CPU = the child (fake server and simulated users); "
        "'bad' = error or no-change answers."
    )
    for c in r["configs"]:
        n = c["notices"]
        line = (
            f"{c['label']}: setup {c['setup_s']:.1f} s; {c['changes']}/{c['updates']} updates "
            f"recorded as changes"
        )
        if c["coordinators"]:
            m = c["notice_rows"]
            line += (
                f"; coordinators' notices: {n.get('queued', 0)} changes queued into "
                f"{sum(m.values())} messages ({n.get('pending', 0)} changes not yet), "
                f"{m.get('sent', 0)} messages sent, {c['notice_messages']} arrived"
            )
        print(line)
        for phase, s in c["phases"].items():
            if s["unexpected_sample"]:
                print(f"  {phase}: unexpected answers, e.g. {s['unexpected_sample'][:2]}")
            if s["timed_out"]:
                print(f"  {phase}: TIMED OUT waiting for answers")

    default, conc = r["configs"][0], r["configs"][1]
    head = default  # the settings the bot ships with; see the report
    t = r["tonghop"]
    svc, e2e = statistics.median(t["service_ms"]), statistics.median(t["e2e_ms"])
    print()
    print(
        f"/tonghop: {t['agencies']} agencies x {t['tasks'] // t['agencies']} tasks "
        f"({t['tasks']:,} tasks, {t['overdue']} overdue; bulk-inserted in {t['insert_s']:.1f} s) "
        f"-> {t['messages']} messages, {t['chars']:,} characters; target <= "
        f"{TARGET_TONGHOP_MS:.0f} ms"
    )
    print(
        table(
            ["measure", "runs", "median ms", "min ms", "max ms", "x target"],
            [
                [
                    "end to end (command -> last message)",
                    len(t["e2e_ms"]),
                    e2e,
                    min(t["e2e_ms"]),
                    max(t["e2e_ms"]),
                    e2e / TARGET_TONGHOP_MS,
                ],
                [
                    "service: summarize + summary_messages",
                    len(t["service_ms"]),
                    svc,
                    min(t["service_ms"]),
                    max(t["service_ms"]),
                    svc / TARGET_TONGHOP_MS,
                ],
                [
                    "  of which summarize (query)",
                    len(t["query_ms"]),
                    statistics.median(t["query_ms"]),
                    min(t["query_ms"]),
                    max(t["query_ms"]),
                    statistics.median(t["query_ms"]) / TARGET_TONGHOP_MS,
                ],
            ],
        )
    )
    lim = t["limited"]
    if lim:
        print(
            f"with Telegram's flood limits enforced (1 msg/s per private chat): {lim['delivered']}"
            f" of {lim['expected']} messages delivered in {fmt(lim['seconds'])} s, "
            f"{lim['status_429']} requests answered 429; another person's /help sent 1 s after "
            f"/tonghop was answered after {fmt(lim['probe_s'])} s"
        )
    else:
        print(
            f"with Telegram's flood limits (1 msg/s per private chat) the {t['messages']} "
            f"messages need >= {t['messages'] - 1} s (measured in the full run; skipped by --quick)"
        )
    print()
    sat, tgt = head["phases"]["saturation"], head["phases"]["target"]
    floor = r["floor"]
    print(
        f"floor (python-telegram-bot alone, same network layer and concurrency, no database): "
        f"{floor['per_s']:.0f} updates/s, {floor['cpu_ms']:.1f} ms CPU per update; the bot reaches "
        f"{sat['per_s'] / floor['per_s']:.2f} of it"
    )
    print(
        "headline = default settings "
        f"(concurrent_updates={DEFAULT_CONCURRENCY}, one chat in order): "
        f"{sat['per_s']:.0f} updates/s ({sat['per_s'] / TARGET_RATE:.2f}x target), "
        f"p95 {tgt['p95']:.0f} ms "
        f"with updates offered at {r['rate']:.0f}/s ({tgt['p95'] / TARGET_P95_MS:.2f}x limit); "
        f"p95 {head['phases']['light']['p95']:.0f} ms at {r['light_rate']:.0f}/s"
    )
    csat, ctgt = conc["phases"]["saturation"], conc["phases"]["target"]
    print(
        f"concurrent_updates=1: {csat['per_s']:.0f} updates/s, p95 {ctgt['p95']:.0f} ms at "
        f"{r['rate']:.0f}/s, {sum(p['errors'] + p['unexpected'] for p in conc['phases'].values())}"
        f" bad answers"
    )
    figures = {
        "updates_per_s": rounded(sat["per_s"], 1),
        "p95_ms": rounded(tgt["p95"], 1),
        "tonghop_ms": rounded(e2e, 1),
        "headline_config": f"concurrent_updates={DEFAULT_CONCURRENCY}",
        "updates_vs_target": rounded(sat["per_s"] / TARGET_RATE, 3),
        "p95_vs_limit": rounded(tgt["p95"] / TARGET_P95_MS, 3),
        "tonghop_vs_limit": rounded(e2e / TARGET_TONGHOP_MS, 3),
        "target_offered_per_s": rounded(tgt["offered_per_s"], 1),
        "p50_ms": rounded(tgt["p50"], 1),
        "light_rate": r["light_rate"],
        "light_p50_ms": rounded(head["phases"]["light"]["p50"], 1),
        "light_p95_ms": rounded(head["phases"]["light"]["p95"], 1),
        "cpu_ms_per_update": rounded(sat["cpu_ms"], 1),
        "floor_updates_per_s": rounded(floor["per_s"], 1),
        "floor_cpu_ms_per_update": rounded(floor["cpu_ms"], 2),
        "updates_vs_floor": rounded(sat["per_s"] / floor["per_s"], 3),
        "c1_updates_per_s": rounded(csat["per_s"], 1),
        "c1_p95_ms": rounded(ctgt["p95"], 1),
        "c1_light_p95_ms": rounded(conc["phases"]["light"]["p95"], 1),
        "bad_answers": sum(
            p["errors"] + p["unexpected"] for c in r["configs"] for p in c["phases"].values()
        ),
        "tonghop_service_ms": rounded(svc, 1),
        "tonghop_messages": t["messages"],
        "tonghop_limited_s": rounded(lim["seconds"], 1) if lim else None,
        "tonghop_blocks_others_s": rounded(lim["probe_s"], 1) if lim else None,
        "users": r["users"],
        "server": "inproc" if r["inproc"] else "subprocess",
    }
    if len(r["configs"]) > 2:
        figures["no_coordinators_updates_per_s"] = rounded(
            r["configs"][2]["phases"]["saturation"]["per_s"], 1
        )
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer officials and updates (< 60 s)")
    parser.add_argument("--inproc", action="store_true", help="fake server in this process")
    parser.add_argument("--users", type=int, default=0, help="officials (agencies) per config")
    parser.add_argument("--light", type=int, default=0, help="updates in the light phase")
    parser.add_argument("--target", type=int, default=0, help="updates in the target-rate phase")
    parser.add_argument("--saturation", type=int, default=0, help="updates in the saturation phase")
    parser.add_argument("--rate", type=float, default=TARGET_RATE, help="target-phase rate /s")
    parser.add_argument("--light-rate", type=float, default=10.0, help="light-phase rate /s")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve_fake(OPS)
        return 0
    return run_and_report(bench, report, args)


if __name__ == "__main__":
    sys.exit(main())
