"""Status updates over a 200 ms Bot API: long polling against webhook, 200 offered a second.

    uv run python bench/net_updates.py [--quick]

What it does, step by step:
1. The fake Bot API server runs in a child process (bench/common.FakeProcess) with the
   simulated officials (bench/updates.py's operations); its network model is set to a
   200 ms round trip, ±20% jitter, on every call including getUpdates and webhook POSTs,
   from the first measured phase on (the setup in step 3 runs without latency).
2. One temporary SQLite database gets U agencies (400; --quick: 120) with one task and one
   linked official each (bench/updates.setup_officials, as bench/updates.py). No coordinators: their
   notices are the dispatcher's work, paced at 1 message/s per chat, which bench/network.py
   measures; here they would only make stopping the bot between the modes wait for them.
3. The real Application (bot.app.build_application, default settings) long-polls the
   fake; every official sends /viec and opens the task's card.
4. Long polling: first 200 updates (--quick: 40) at 20/s, so that nothing queues in the
   bot (its own added latency, against the network model's floor); then N status updates
   (2,400; --quick: 300) are queued at the server at 200/s (open loop, spread over
   the officials; nobody sends again before the answer to their previous update arrived):
   presses of "Đang thực hiện"/"Hoàn thành" and typed replies "đang thực hiện"/"đã xong",
   alternating so that each one changes the task (bench/updates.op_load).
5. The bot is stopped and started again in webhook mode on the same database
   (bot.webhook.webhook_options: setWebhook with a secret, PTB's webhook server on
   127.0.0.1); the fake POSTs each update to it. The same light and full phases as in 4.
Latency is taken on the server's clock: from the update queued there to the bot's first
answer arriving there (answerCallbackQuery for a press, the reply for a message). The
handled rate is answers / (last answer - first answer); every update must be answered.
Limits: p95 at most 2 x RTT + 50 ms with long polling (an update can wait for the next
getUpdates to cross the network), RTT + 50 ms by webhook. The network model alone, with a
bot that answers in no time, gives p95 399 ms and 227 ms (`model_floor`): what is left
for the bot is 51 ms and 23 ms. The machine is shared: the report gives the load average
(at the end of the run), the CPU per update and the share of a core the bot got.

`run(quick)` returns the figures (bench/network.py imports it); run alone, the script
prints a report and, last, one JSON line of the same figures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import socket
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import psutil
from common import (
    FakeProcess,
    Stopwatch,
    bench_settings,
    rounded,
    run_and_report,
    running_bot,
    serve_fake,
    sqlite_url,
    table,
    temp_database,
)
from updates import (
    OPS as UPDATE_OPS,
)
from updates import (
    START,
    Plan,
    setup_officials,
    summarize_load,
)

from services import clock
from services.clock import FrozenClock

RTT_MS = 200.0
JITTER = 0.2
RATE = 200.0  # updates offered per second
LIGHT_RATE = 20.0  # the same updates, few enough that nothing queues in the bot
SECRET = "bench-net-updates-secret"


async def op_network(server: Any, latency_ms: float, jitter: float, seed: int) -> dict:
    server.network.configure(latency_ms=latency_ms, jitter=jitter, seed=seed)
    return server.network.to_json()


async def op_webhook_stats(server: Any) -> dict:
    sender = server.webhook_sender
    return {
        "deliveries": sender.deliveries,
        "failures": sender.failures,
        "pending": server.pending_updates,
        "get_updates": server.requests_by_method.get("getUpdates", 0),
    }


OPS = {**UPDATE_OPS, "network": op_network, "webhook_stats": op_webhook_stats}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.asynccontextmanager
async def running_webhook_bot(settings: Any, db: Any):
    """The real Application in webhook mode, as `nhacviec run --webhook` starts it."""
    from bot.app import build_application
    from bot.webhook import webhook_options

    app = build_application(settings, db)
    async with app:
        await app.post_init(app)  # type: ignore[misc]
        await app.start()
        assert app.updater is not None
        try:
            await app.updater.start_webhook(**webhook_options(settings))
            yield app
        finally:
            if app.updater.running:
                await app.updater.stop()
            await app.stop()


def model_floor(rtt_ms: float, jitter: float, rate: float, mode: str, n: int = 20_000) -> float:
    """p95 latency, in ms, that the network model alone gives (a bot that answers in no
    time): the floor under the measured p95. Simulated with the fake's own rules: each call
    draws a round trip uniformly within ±jitter and spends half of it each way; updates
    arrive every 1/rate s. Webhook: the POST's half + the answer's half. Long polling: an
    update waits for the next getUpdates to reach the server (one is always on its way: the
    bot asks again as soon as an answer arrives), then that answer's half and the answer's."""
    rng = random.Random(14)

    def half() -> float:
        return rtt_ms * rng.uniform(1 - jitter, 1 + jitter) / 2

    if mode == "webhook":
        samples = [half() + half() for _ in range(n)]
    else:
        samples, at, gap = [], 0.0, 1000.0 / rate
        arrivals = [i * gap for i in range(n)]
        i = 0
        while i < n:
            at = max(at, arrivals[i])  # a poll waiting at the server is answered at once
            back, there = half(), half()
            while i < n and arrivals[i] <= at:
                samples.append(at - arrivals[i] + back + half())
                i += 1
            at += back + there  # the answer goes back, the next poll comes
    samples.sort()
    return samples[int(0.95 * (len(samples) - 1))]


def _phase(result: dict[str, Any]) -> dict[str, Any]:
    s = summarize_load(result, result["cpu_s"], result["server_cpu_s"])
    span = result["last_answer"] - result["first_answer"]
    s["handled_per_s"] = (result["answered"] - 1) / span if span > 0 else float("nan")
    s["all_answered"] = result["answered"] == result["n"] and not result["timed_out"]
    return s


async def measure(quick: bool, users: int = 0, updates: int = 0) -> dict[str, Any]:
    """Both modes at RTT_MS; the raw results (see `figures` for the JSON line)."""
    from pydantic import SecretStr

    from services.settings import use_settings

    previous = clock.get_clock()
    clock.set_clock(FrozenClock(START))
    users = users or (120 if quick else 400)
    n = updates or (300 if quick else 2400)
    light = 40 if quick else 200
    out: dict[str, Any] = {"users": users, "updates": n, "rtt_ms": RTT_MS, "jitter": JITTER}
    out["load_average"] = round(os.getloadavg()[0], 2)  # a shared machine: say how busy
    watch = Stopwatch()
    me = psutil.Process()

    def say(what: str) -> None:
        print(f"... {watch.seconds:5.1f} s: {what}", file=sys.stderr, flush=True)

    async def load(sequences: dict[str, list[list]], rate: float = RATE) -> dict[str, Any]:
        """One phase, with the CPU the bot and the fake server used meanwhile."""
        cpu, server_cpu = me.cpu_times(), side.cpu_seconds()
        result = await side.call("load", sequences=sequences, rate=rate, timeout=600)
        used = me.cpu_times()
        result["cpu_s"] = (used.user + used.system) - (cpu.user + cpu.system)
        result["server_cpu_s"] = side.cpu_seconds() - server_cpu
        return result

    try:
        async with FakeProcess(Path(__file__)) as side, temp_database() as (db, path):
            port = _free_port()
            settings = bench_settings(
                side.base_url,
                sqlite_url(path),
                webhook_url=f"http://127.0.0.1:{port}/hook",
                webhook_listen=f"127.0.0.1:{port}",
                webhook_secret=SecretStr(SECRET),
            )
            use_settings(settings)
            say(f"{users} officials")
            officials = await setup_officials(db, users, 300_000)
            await side.call("add_users", users=[[c, "Cán", f"bộ {c}"] for c, _, _ in officials])
            async with running_bot(settings, db):
                # Setup, not measured: the cards open over a network without latency; the
                # model is set before the first phase.
                say("/viec for everyone")
                cards = await side.call("viec", chats=[c for c, _, _ in officials], timeout=300)
                out["network"] = await side.call(
                    "network", latency_ms=RTT_MS, jitter=JITTER, seed=14
                )
                plan = Plan(officials, cards)
                # Half the officials start with typed replies, half with presses, so both
                # modes get as many of each.
                for chat, _, _ in officials[1::2]:
                    plan.step[chat] += 2
                await asyncio.sleep(1.0)  # start-up jobs; the first notices go out
                say(f"long polling: {light} updates at {LIGHT_RATE:.0f}/s")
                out["polling_light"] = await load(plan.take(light), LIGHT_RATE)
                say(f"long polling: {n} updates at {RATE:.0f}/s")
                out["polling"] = await load(plan.take(n))
            async with running_webhook_bot(settings, db):
                await asyncio.sleep(1.0)
                say(f"webhook: {light} updates at {LIGHT_RATE:.0f}/s")
                out["webhook_light"] = await load(plan.take(light), LIGHT_RATE)
                say(f"webhook: {n} updates at {RATE:.0f}/s")
                out["webhook"] = await load(plan.take(n))
                out["webhook_stats"] = await side.call("webhook_stats")
            say("done")
            out["load_average_end"] = round(os.getloadavg()[0], 2)
    finally:
        clock.set_clock(previous)
    return out


def figures(r: dict[str, Any]) -> dict[str, Any]:
    """The JSON line: what bench/network.py reports for status updates at 200 ms.

    Besides p95/limit (which on a shared machine depends on what else runs: the load
    average is given), two figures that do not: the CPU the bot spends per update, as the
    share of one core that 200 updates/s need, and the p95 at 20/s above the network
    model's own floor (what the bot adds when nothing queues)."""
    polling, hook = _phase(r["polling"]), _phase(r["webhook"])
    light, hook_light = _phase(r["polling_light"]), _phase(r["webhook_light"])
    rtt, jitter = r["rtt_ms"], r["jitter"]
    floor = model_floor(rtt, jitter, RATE, "polling")
    hook_floor = model_floor(rtt, jitter, RATE, "webhook")
    light_floor = model_floor(rtt, jitter, LIGHT_RATE, "polling")
    return {
        "load_average_1min": r["load_average"],
        "load_average_1min_end": r["load_average_end"],
        "updates_per_s_at_200ms": rounded(polling["handled_per_s"], 1),
        "updates_offered_per_s": RATE,
        "updates_offered_measured_per_s": rounded(polling["offered_per_s"], 1),
        "updates_all_answered": polling["all_answered"] and hook["all_answered"],
        "p50_ms_at_200ms": rounded(polling["p50"], 1),
        "p95_ms_at_200ms": rounded(polling["p95"], 1),
        "p95_limit_ms": 2 * rtt + 50,
        "p95_vs_limit": rounded(polling["p95"] / (2 * rtt + 50), 3),
        "webhook_updates_per_s_at_200ms": rounded(hook["handled_per_s"], 1),
        "webhook_offered_measured_per_s": rounded(hook["offered_per_s"], 1),
        "webhook_p50_ms_at_200ms": rounded(hook["p50"], 1),
        "webhook_p95_ms_at_200ms": rounded(hook["p95"], 1),
        "webhook_p95_limit_ms": rtt + 50,
        "webhook_p95_vs_limit": rounded(hook["p95"] / (rtt + 50), 3),
        "p95_model_floor_ms": rounded(floor, 1),
        "webhook_p95_model_floor_ms": rounded(hook_floor, 1),
        "light_p95_ms": rounded(light["p95"], 1),
        "light_p95_above_model_ms": rounded(light["p95"] - light_floor, 1),
        "webhook_light_p95_ms": rounded(hook_light["p95"], 1),
        "webhook_light_p95_above_model_ms": rounded(hook_light["p95"] - hook_floor, 1),
        "cpu_ms_per_update": rounded(polling["cpu_ms"], 2),
        "webhook_cpu_ms_per_update": rounded(hook["cpu_ms"], 2),
        "core_share_needed_at_200_per_s": rounded(polling["cpu_ms"] * RATE / 1000, 3),
        "webhook_core_share_needed_at_200_per_s": rounded(hook["cpu_ms"] * RATE / 1000, 3),
        "bot_core_share_got": rounded(polling["cpu_share"], 3),
        "webhook_bot_core_share_got": rounded(hook["cpu_share"], 3),
        "bad_answers": sum(p["errors"] + p["unexpected"] for p in (polling, hook)),
        "updates_rtt_ms": rtt,
        "updates_jitter": r["jitter"],
        "users": r["users"],
        "updates_per_mode": r["updates"],
    }


def run(quick: bool) -> dict[str, Any]:
    """Measure and return the figures (one event loop of its own: call outside a loop)."""
    return figures(asyncio.run(measure(quick)))


def report(r: dict[str, Any]) -> dict[str, Any]:
    f = figures(r)
    print(
        f"Status updates over a {r['rtt_ms']:.0f} ms Bot API (±{r['jitter'] * 100:.0f}% jitter), "
        f"{RATE:.0f} offered/s, real Application, SQLite, fake server in a child process; "
        f"{r['users']} officials, {r['updates']} updates per mode"
    )
    rows = []
    for mode, limit, rate in (
        ("polling_light", 2 * r["rtt_ms"] + 50, LIGHT_RATE),
        ("polling", 2 * r["rtt_ms"] + 50, RATE),
        ("webhook_light", r["rtt_ms"] + 50, LIGHT_RATE),
        ("webhook", r["rtt_ms"] + 50, RATE),
    ):
        s = _phase(r[mode])
        floor = model_floor(r["rtt_ms"], r["jitter"], rate, mode.split("_")[0])
        rows.append(
            [
                mode,
                s["n"],
                s["answered"],
                s["offered_per_s"],
                s["handled_per_s"],
                s["p50"],
                s["p95"],
                s["p99"],
                floor,
                limit,
                s["p95"] / limit,
                s["edit_p95"],
                s["cpu_ms"],
                s["cpu_share"] * 100,
                s["server_cpu_share"] * 100,
                s["late"],
                s["errors"] + s["unexpected"],
            ]
        )
    print(
        table(
            [
                "mode",
                "updates",
                "answered",
                "offered/s",
                "handled/s",
                "p50 ms",
                "p95 ms",
                "p99 ms",
                "model p95",
                "limit ms",
                "p95/limit",
                "edit p95",
                "CPU ms/upd",
                "CPU %",
                "server CPU %",
                "late",
                "bad",
            ],
            rows,
        )
    )
    print(
        "latency = update queued at the server -> the bot's first answer arriving there "
        "(pop-up for a press, reply for a message); 'edit p95' = -> the card redrawn; "
        "CPU = the bot's process, server CPU = the fake's (and simulated users'); "
        "'late' = updates sent late because every official was still waiting for an answer; "
        "'model p95' = the network model's own p95 (a bot answering in no time)."
    )
    print(
        f"load average {r['load_average']} -> {r['load_average_end']}; "
        f"CPU per update {f['cpu_ms_per_update']} ms "
        f"(polling), {f['webhook_cpu_ms_per_update']} ms (webhook): 200/s needs "
        f"{f['core_share_needed_at_200_per_s']} / {f['webhook_core_share_needed_at_200_per_s']} "
        f"of a core; the bot got {f['bot_core_share_got']} / {f['webhook_bot_core_share_got']}"
    )
    print(f"webhook delivery: {r['webhook_stats']}")
    return f


async def _bench(args: argparse.Namespace) -> dict[str, Any]:
    return await measure(args.quick, args.users, args.updates)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer officials and updates (< 60 s)")
    parser.add_argument("--users", type=int, default=0, help="officials")
    parser.add_argument("--updates", type=int, default=0, help="updates per mode")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:  # the fake server (bench.common.FakeProcess), on uvloop as bench/network.py's
        from bot.app import use_fast_event_loop

        use_fast_event_loop()
        serve_fake(OPS)
        return 0
    return run_and_report(_bench, report, args)


if __name__ == "__main__":
    sys.exit(main())
