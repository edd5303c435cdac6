"""Event-loop stalls while a coordinator runs reports and officials press at 200 a second,
over a 200 ms Bot API.

    uv run python bench/net_stall.py [--quick] [--trace]

What it does, step by step:
1. The fake Bot API server runs in a child process (bench/common.FakeProcess) with the
   simulated people (bench/updates.py's operations, and `reports` below); its network
   model is set to a 200 ms round trip, ±20% jitter, on every call including getUpdates.
2. One temporary SQLite database (or PostgreSQL with --database-url) gets a province of
   500 agencies x 20 tasks with two history rows each (bench/export_data.fill_synthetic_db),
   then O more agencies with one task and one linked official each (the ones who press,
   bench/updates.setup_officials) and one coordinator (marked unreachable, so that the
   notices of every change, paced at 1 a second, do not keep the bot's stop waiting).
3. The real Application (bot.app.build_application, default settings) long-polls the
   fake, tuned as `nhacviec run` is after start-up (bot.runner.tune_runtime). Every
   official sends /viec and opens their task's card.
4. In the bot's process a probe task sleeps 10 ms again and again; each wake's lateness
   (how much later than 10 ms it woke) is how long the loop was held by something else.
5. Three phases (the reports' worker process was started with the bot, as nhacviec run
   does):
   a. the reports alone: the coordinator sends /xuat, /tonghop and /bieudo, each once the
      answer to the last (workbook, summary, chart) arrived;
   b. the updates alone (the baseline), as long as a round of reports took: status
      updates queued at the server at 200/s (presses and typed replies, as
      bench/net_updates.py);
   c. both: updates from 1 s before the reports to about 1 s after them, and meanwhile
      the reports (--quick: one round; full: three).
Stalls are the probe's lateness within each phase (for c, from the first command queued
to the last answer arrived: the acceptance figures); answers are from the update queued at
the server to the bot's first answer arriving there. Limits: stall p99 <= 20 ms, max
<= 50 ms; answers p95 <= 2 x RTT + 50 ms (long polling).

--trace: a thread samples the loop's thread's stack whenever the probe is over 30 ms late,
and prints where the loop was held (the long steps to fix), with the SQL statement when a
sample lands in one. The sampler needs the GIL, so it sees the loop mostly where the loop
lets it go (statements, sockets): read it as a hint, not as a profile.

`run(quick)` returns the figures (bench/network.py imports it); run alone, the script
prints a report and, last, one JSON line of the same figures.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import threading
import time
import traceback
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import (
    FakeProcess,
    Stopwatch,
    bench_settings,
    percentile,
    rounded,
    running_bot,
    serve_fake,
    table,
    temp_database,
)
from updates import OPS as UPDATE_OPS
from updates import START, Plan, setup_coordinators, setup_officials

from services import clock
from services.clock import FrozenClock

RTT_MS = 200.0
JITTER = 0.2
RATE = 200.0  # updates offered per second
PROBE_S = 0.010
STALL_P99_LIMIT_MS = 20.0
STALL_MAX_LIMIT_MS = 50.0
TRACE_OVER_S = 0.030
COORDINATOR = 900_001
AGENCIES, TASKS_PER = 500, 20
COMMANDS = ("/xuat", "/tonghop", "/bieudo")


# --- the server's side ----------------------------------------------------------------------


async def op_network(server: Any, latency_ms: float, jitter: float, seed: int) -> dict:
    server.network.configure(latency_ms=latency_ms, jitter=jitter, seed=seed)
    return server.network.to_json()


async def op_reports(
    server: Any, chat: int, rounds: int, delay: float, timeout: float
) -> dict[str, Any]:
    """After `delay` s, the coordinator sends each command and waits for its answer: a
    document for /xuat, a photo for /bieudo, a message for /tonghop."""
    await asyncio.sleep(delay)
    wanted = {"/xuat": "document", "/bieudo": "photo", "/tonghop": "text"}
    runs = []
    first = time.monotonic()
    for _ in range(rounds):
        for command in COMMANDS:
            before = len(server.messages_to(chat))
            server.user_sends(chat, chat, command)
            queued = time.monotonic()

            def arrived(before: int = before, kind: str = wanted[command]) -> Any:
                for m in server.messages_to(chat)[before:]:
                    if (kind == "document" and m.document) or (kind == "photo" and m.photo):
                        return m
                    if kind == "text" and any(d.startswith("s:") for d in m.callback_data):
                        return m  # the summary (its buttons), not a notice
                return None

            answer = await server.wait_for(arrived, timeout)
            runs.append({"command": command, "ms": (answer.time - queued) * 1000})
    return {"first_queued": first, "last_answer": time.monotonic(), "runs": runs}


OPS = {**UPDATE_OPS, "network": op_network, "reports": op_reports}


# --- the bot's side ---------------------------------------------------------------------------


class Probe:
    """A task waking every PROBE_S; `lateness` holds (woke at, ms late) of each wake."""

    def __init__(self) -> None:
        self.lateness: list[tuple[float, float]] = []
        self.last_wake = time.monotonic()
        self._task: asyncio.Task | None = None

    async def _run(self) -> None:
        while True:
            before = time.monotonic()
            await asyncio.sleep(PROBE_S)
            self.last_wake = now = time.monotonic()
            self.lateness.append((now, (now - before - PROBE_S) * 1000))

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()

    def between(self, start: float, end: float) -> list[float]:
        return [ms for at, ms in self.lateness if start <= at <= end]


class Tracer(threading.Thread):
    """Samples the loop thread's stack while the probe is more than TRACE_OVER_S late."""

    def __init__(self, probe: Probe) -> None:
        super().__init__(daemon=True, name="stall-tracer")
        self.probe = probe
        self.loop_thread = threading.get_ident()
        self.samples: Counter[str] = Counter()
        self.running = True
        self.phase = ""

    def at(self, phase: str) -> None:
        self.phase = phase

    def run(self) -> None:
        while self.running:
            time.sleep(0.005)
            if time.monotonic() - self.probe.last_wake < TRACE_OVER_S:
                continue
            frame = sys._current_frames().get(self.loop_thread)
            if frame is None:
                continue
            stack = traceback.extract_stack(frame)
            ours = [
                f for f in stack if "/.venv/" not in f.filename and "/lib/python" not in f.filename
            ]
            where = " < ".join(
                f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in [*stack[-2:], *ours[-3:]]
            )
            sql = frame
            while sql is not None and "sql" not in sql.f_locals:
                sql = sql.f_back
            if sql is not None:  # a statement on the loop: which one
                where += " | " + " ".join(str(sql.f_locals["sql"]).split())[:110]
            self.samples[f"[{self.phase}] {where}"] += 1


async def measure(quick: bool, database_url: str = "", trace: bool = False) -> dict[str, Any]:
    import sqlalchemy as sa
    from sqlmodel import col

    from bot.runner import tune_runtime
    from db.models import Contact
    from db.session import Database
    from services.settings import use_settings

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from export_data import fill_synthetic_db

    previous = clock.get_clock()
    clock.set_clock(FrozenClock(START))
    officials_n = 100 if quick else 200
    rounds = 1 if quick else 3
    out: dict[str, Any] = {
        "agencies": AGENCIES,
        "tasks_per_agency": TASKS_PER,
        "officials": officials_n,
        "rounds": rounds,
        "rtt_ms": RTT_MS,
        "jitter": JITTER,
        "load_average": round(os.getloadavg()[0], 2),
    }
    watch = Stopwatch()

    def say(what: str) -> None:
        print(f"... {watch.seconds:5.1f} s: {what}", file=sys.stderr, flush=True)

    try:
        async with FakeProcess(Path(__file__)) as side, temp_database() as (sqlite_db, path):
            db = sqlite_db
            if database_url:
                db = Database(database_url)
                await db.migrate()
            out["database"] = db.url.get_backend_name()
            settings = bench_settings(side.base_url, db.url.render_as_string(hide_password=False))
            use_settings(settings)
            say(f"{AGENCIES} x {TASKS_PER} tasks")
            async with db.session() as session:
                await fill_synthetic_db(session, AGENCIES, TASKS_PER)
            say(f"{officials_n} officials, a coordinator")
            officials = await setup_officials(db, officials_n, 300_000)
            await setup_coordinators(db, [COORDINATOR])
            # The coordinator's notices of every change (40 lines a message, 1 message a
            # second to a chat) would keep the dispatcher, and the bot's stop, busy for
            # minutes after the load: their contact is marked unreachable, which stops
            # notices and nothing else (bench/network.py measures delivery).
            async with db.session() as session:
                await session.execute(
                    sa.update(Contact)
                    .where(col(Contact.chat_id) == COORDINATOR)
                    .values(reachable=False, unreachable_reason="blocked")
                )
                await session.commit()
            await side.call(
                "add_users",
                users=[[c, "Cán", f"bộ {c}"] for c, _, _ in officials]
                + [[COORDINATOR, "Điều", "phối"]],
            )
            out["network"] = await side.call("network", latency_ms=RTT_MS, jitter=JITTER, seed=14)
            probe = Probe()
            async with running_bot(settings, db):
                tune_runtime()
                say("/viec for everyone")
                cards = await side.call("viec", chats=[c for c, _, _ in officials], timeout=300)
                plan = Plan(officials, cards)
                for chat, _, _ in officials[1::2]:
                    plan.step[chat] += 2
                await asyncio.sleep(1.0)
                probe.start()
                tracer = Tracer(probe) if trace else None
                if tracer is not None:
                    tracer.start()
                windows: dict[str, tuple[float, float]] = {}

                # 1. The reports alone: what their own steps on the loop cost.
                tracer and tracer.at("reports alone")
                say("reports alone")
                alone = await side.call("reports", chat=COORDINATOR, rounds=1, delay=0, timeout=120)
                windows["reports"] = (alone["first_queued"], alone["last_answer"])
                round_s = alone["last_answer"] - alone["first_queued"]
                # 2. The updates alone, as long as a round of reports takes (the baseline).
                tracer and tracer.at("updates alone")
                n = int(RATE * (2.0 if quick else max(round_s, 3.0)))
                say(f"updates alone: {n} at {RATE:.0f}/s")
                base = await side.call("load", sequences=plan.take(n), rate=RATE, timeout=120)
                windows["updates"] = (base["first_queued"], base["last_queued"])
                # 3. Both: updates from 1 s before the reports to about 1 s after them.
                tracer and tracer.at("updates and reports")
                n = int(RATE * (2.0 + 1.2 * round_s * rounds))
                say(f"{n} updates at {RATE:.0f}/s, {rounds} round(s) of reports meanwhile")
                load, reports = await asyncio.gather(
                    side.call("load", sequences=plan.take(n), rate=RATE, timeout=120),
                    side.call("reports", chat=COORDINATOR, rounds=rounds, delay=1.0, timeout=120),
                )
                windows["both"] = (reports["first_queued"], reports["last_answer"])
                probe.stop()
                if tracer is not None:
                    tracer.running = False
                    out["trace"] = tracer.samples.most_common(20)
                say("stopping the bot")
            if database_url:
                await db.dispose()
            say("done")
    finally:
        clock.set_clock(previous)
    out["windows_s"] = {k: end - start for k, (start, end) in windows.items()}
    out["stalls_ms"] = {k: probe.between(*w) for k, w in windows.items()}
    out["reports"] = reports["runs"]
    out["reports_alone"] = alone["runs"]
    out["load"] = load
    out["base"] = base
    out["load_covers_reports"] = load["last_queued"] >= windows["both"][1]
    return out


def _answers(load: dict[str, Any]) -> list[float]:
    return load["press_ms"] + load["reply_ms"]


def figures(r: dict[str, Any]) -> dict[str, Any]:
    stalls = r["stalls_ms"]
    both, base = stalls["both"], stalls["updates"]
    rtt = r["rtt_ms"]
    p99, worst = percentile(both, 99), max(both, default=float("nan"))
    return {
        "loop_stall_p50_ms": rounded(percentile(both, 50), 2),
        "loop_stall_p99_ms": rounded(p99, 2),
        "loop_stall_max_ms": rounded(worst, 2),
        "loop_stall_ok": p99 <= STALL_P99_LIMIT_MS and worst <= STALL_MAX_LIMIT_MS,
        "loop_stall_samples": len(both),
        # the same probe with the updates alone (the baseline), and the reports alone
        "loop_stall_updates_alone_p99_ms": rounded(percentile(base, 99), 2),
        "loop_stall_updates_alone_max_ms": rounded(max(base, default=float("nan")), 2),
        "loop_stall_reports_alone_p99_ms": rounded(percentile(stalls["reports"], 99), 2),
        "loop_stall_reports_alone_max_ms": rounded(max(stalls["reports"], default=float("nan")), 2),
        "stall_presses_p95_ms": rounded(percentile(_answers(r["load"]), 95), 1),
        "stall_presses_p95_updates_alone_ms": rounded(percentile(_answers(r["base"]), 95), 1),
        "stall_presses_p95_limit_ms": 2 * rtt + 50,
        "stall_presses_answered": r["load"]["answered"] == r["load"]["n"],
        "stall_reports_ms": {
            c: rounded(max(x["ms"] for x in r["reports"] if x["command"] == c), 0) for c in COMMANDS
        },
        "stall_load_average_1min": r["load_average"],
        "stall_database": r["database"],
    }


def run(quick: bool) -> dict[str, Any]:
    """Measure and return the figures (one event loop of its own: call outside a loop)."""
    return figures(asyncio.run(measure(quick)))


def report(r: dict[str, Any]) -> dict[str, Any]:
    f = figures(r)
    print(
        f"Event-loop stalls (probe every {PROBE_S * 1000:.0f} ms) while a coordinator runs "
        f"{', '.join(COMMANDS)} at {r['agencies']} x {r['tasks_per_agency']} ({r['rounds']} "
        f"round(s)) and {r['officials']} officials send {RATE:.0f} updates/s; Bot API at "
        f"{r['rtt_ms']:.0f} ms ±{r['jitter'] * 100:.0f}%; {r['database']}; load average "
        f"{r['load_average']}"
    )
    stalls = r["stalls_ms"]
    limit = f"{STALL_P99_LIMIT_MS:.0f} / {STALL_MAX_LIMIT_MS:.0f}"
    rows = []
    for label, values, lim in (
        ("stall: updates and reports", stalls["both"], limit),
        ("stall: updates alone", stalls["updates"], ""),
        ("stall: reports alone", stalls["reports"], ""),
        ("answers: with reports", _answers(r["load"]), f"p95 {2 * r['rtt_ms'] + 50:.0f}"),
        ("answers: updates alone", _answers(r["base"]), ""),
    ):
        rows.append(
            [
                label,
                len(values),
                percentile(values, 50),
                percentile(values, 95),
                percentile(values, 99),
                max(values, default=float("nan")),
                lim,
            ]
        )
    print(
        table(
            ["", "samples", "p50 ms", "p95 ms", "p99 ms", "max ms", "limit p99/max"], rows, digits=1
        )
    )
    print(
        "reports (queued -> answer arrived, ms), alone: "
        + ", ".join(f"{x['command']} {x['ms']:.0f}" for x in r["reports_alone"])
        + "; with the updates: "
        + ", ".join(f"{x['command']} {x['ms']:.0f}" for x in r["reports"])
    )
    load = r["load"]
    print(
        f"updates: {load['answered']}/{load['n']} answered, {load['late']} sent late, "
        f"{load['errors'] + load['unexpected']} bad; the load covers the reports: "
        f"{r['load_covers_reports']}"
    )
    for where, n in r.get("trace", []):
        print(f"  {n:4d} x {where}")
    return f


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one round, fewer officials (< 60 s)")
    parser.add_argument("--trace", action="store_true", help="where the loop was held")
    parser.add_argument("--database-url", default="", help="PostgreSQL instead of SQLite")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve_fake(OPS)
        return 0
    from common import last_line

    from bot.app import use_fast_event_loop

    use_fast_event_loop()  # as `nhacviec run` does
    watch = Stopwatch()
    f = report(asyncio.run(measure(args.quick, args.database_url, args.trace)))
    print(f"(total {watch.seconds:.0f} s)")
    last_line(f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
