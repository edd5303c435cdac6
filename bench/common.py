"""Shared helpers for the end-to-end benchmarks (bench/updates.py, bench/reminders.py).

Nothing here replaces project code: the benchmarks drive the real Application, Dispatcher
and services over real HTTP against the fake Bot API server (fake_telegram). This module
only holds the plumbing they share:

* `bench_settings`, `temp_database`, `running_bot`: settings, a temporary SQLite file and
  the real Application polling a fake server (as tests/harness.py does);
* `FakeProcess` / `serve_fake`: the fake server (plus the benchmark's own "simulated
  users" operations) in a child process, so the bot being measured does not share its
  CPU core with the simulated Telegram;
* `bulk_insert`, `percentile`, `table`, `last_line`: setup and reporting.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Self

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import sqlalchemy as sa

from db.session import Database
from services.settings import Settings

TOKEN = "123456:BENCH-TOKEN"
BOT_USERNAME = "nhacviec_bot"

# --- the bot ---------------------------------------------------------------------------


def bench_settings(base_url: str, database_url: str, **overrides: Any) -> Settings:
    """Settings as production has them (defaults), pointed at the fake server and a temp DB.

    Environment variables that would change a setting are ignored, so a developer's shell
    cannot change what is measured."""
    for name in Settings.model_fields:
        os.environ.pop(name.upper(), None)
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        telegram_bot_token=TOKEN,
        telegram_api_base_url=base_url,
        telegram_bot_username=BOT_USERNAME,
        database_url=database_url,
        **overrides,
    )


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


@asynccontextmanager
async def temp_database(name: str = "bench.db") -> AsyncIterator[tuple[Database, Path]]:
    """A migrated SQLite database in a temporary directory, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="nhacviec-bench-") as tmp:
        path = Path(tmp) / name
        db = Database(sqlite_url(path))
        await db.migrate()
        try:
            yield db, path
        finally:
            await db.dispose()


@asynccontextmanager
async def running_bot(
    settings: Settings,
    db: Database,
    *,
    poll_timeout: float = 10.0,
    before_start: Callable[[Any], Any] | None = None,
):
    """The real Application (bot.app.build_application) long-polling the fake server.

    Same steps as run_polling(): initialize, post_init (commands menu, dispatch and plan
    jobs), start (job queue, update processor), start_polling with production's defaults.
    `before_start(app)` runs between post_init and start (to watch the jobs, say)."""
    from telegram import Update

    from bot.app import build_application

    app = build_application(settings, db)
    async with app:
        await app.post_init(app)  # type: ignore[misc]
        if before_start is not None:
            result = before_start(app)
            if asyncio.iscoroutine(result):
                await result
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(timeout=poll_timeout, allowed_updates=Update.ALL_TYPES)
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()


async def bulk_insert(
    db: Database, model: Any, rows: list[dict[str, Any]], chunk: int = 5000
) -> None:
    """Core INSERT ... executemany, in chunks, one transaction (setup only)."""
    table = model.__table__
    async with db.session() as session:
        for start in range(0, len(rows), chunk):
            await session.execute(sa.insert(table), rows[start : start + chunk])
        await session.commit()


async def count_rows(db: Database, statement: Any) -> int:
    async with db.session() as session:
        return int(await session.scalar(statement) or 0)


# --- the fake server in another process ---------------------------------------------------

Op = Callable[..., Awaitable[Any]]


def serve_fake(ops: dict[str, Op], enforce_limits: bool = False) -> None:
    """Child-process entry: run a FakeTelegram on 127.0.0.1 with `POST /_bench/<op>` routes.

    Each op is `async def op(server, **json_args) -> json_result` and runs inside the
    server's process and event loop, so simulated users act (and are timed) exactly as in an
    in-process test. Prints `BASE_URL=...` when listening; stops when stdin closes."""
    from aiohttp import web

    from fake_telegram import FakeTelegram

    class BenchTelegram(FakeTelegram):
        def make_app(self) -> web.Application:
            app = super().make_app()
            app.router.add_post("/_bench/{op}", self._bench_op)
            return app

        async def _bench_op(self, request: web.Request) -> web.Response:
            try:
                args = await request.json()
                result = await ops[request.match_info["op"]](self, **args)
            except Exception:  # noqa: BLE001 - reported to the parent, which fails loudly
                return web.json_response({"ok": False, "error": traceback.format_exc()})
            return web.json_response({"ok": True, "result": result})

    async def main() -> None:
        server = BenchTelegram(bot_username=BOT_USERNAME, enforce_limits=enforce_limits)
        await server.start()
        print(f"BASE_URL={server.base_url}", flush=True)
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        loop.add_reader(sys.stdin.fileno(), stop.set)  # readable = EOF: the parent is done
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        await server.stop()

    asyncio.run(main())


class FakeProcess:
    """The fake server (and simulated users) in a child process running `script --serve`."""

    def __init__(self, script: Path, *args: str) -> None:
        self.script = script
        self.args = args
        self.proc: asyncio.subprocess.Process | None = None
        self.base_url = ""
        self._http: Any = None

    async def __aenter__(self) -> Self:
        import aiohttp

        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            str(self.script),
            "--serve",
            *self.args,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            cwd=str(ROOT),
        )
        assert self.proc.stdout is not None
        line = (await asyncio.wait_for(self.proc.stdout.readline(), 30)).decode().strip()
        if not line.startswith("BASE_URL="):
            raise RuntimeError(f"fake server did not start: {line!r}")
        self.base_url = line.split("=", 1)[1]
        self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=600))
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._http is not None:
            await self._http.close()
        if self.proc is not None and self.proc.returncode is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            try:
                await asyncio.wait_for(self.proc.wait(), 10)
            except TimeoutError:
                self.proc.terminate()  # our own child, by its handle
                await self.proc.wait()

    @property
    def root(self) -> str:
        return self.base_url.rsplit("/bot", 1)[0]

    def cpu_seconds(self) -> float:
        """CPU time the child (server and simulated users) has used so far."""
        import psutil

        assert self.proc is not None
        used = psutil.Process(self.proc.pid).cpu_times()
        return used.user + used.system

    async def call(self, op: str, **args: Any) -> Any:
        async with self._http.post(f"{self.root}/_bench/{op}", json=args) as resp:
            body = await resp.json()
        if not body["ok"]:
            raise RuntimeError(f"fake server op {op} failed:\n{body['error']}")
        return body["result"]


class LocalFake:
    """Same interface as FakeProcess with the server in this process (for comparison)."""

    def __init__(self, ops: dict[str, Op], enforce_limits: bool = False) -> None:
        from fake_telegram import FakeTelegram

        self.ops = ops
        self.server = FakeTelegram(bot_username=BOT_USERNAME, enforce_limits=enforce_limits)
        self.base_url = ""

    async def __aenter__(self) -> Self:
        await self.server.start()
        self.base_url = self.server.base_url
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.server.stop()

    def cpu_seconds(self) -> float:
        return math.nan  # shared with the bot: not told apart

    async def call(self, op: str, **args: Any) -> Any:
        # Through JSON, as over HTTP, so both modes see the same values.
        return json.loads(json.dumps(await self.ops[op](self.server, **args)))


# --- reporting ------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100), linear between closest ranks; nan for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    if len(ordered) == 1:
        return float(ordered[0])
    pos = (len(ordered) - 1) * q / 100.0
    low = math.floor(pos)
    high = min(low + 1, len(ordered) - 1)
    return float(ordered[low] + (ordered[high] - ordered[low]) * (pos - low))


def fmt(value: Any, digits: int = 1) -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return "-"
        return f"{value:,.{digits}f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]], digits: int = 1) -> str:
    """A plain-text table, first column left-aligned, the others right-aligned."""
    cells = [[fmt(c, digits) for c in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]

    def line(items: Sequence[str]) -> str:
        return "  ".join(
            item.ljust(widths[i]) if i == 0 else item.rjust(widths[i])
            for i, item in enumerate(items)
        )

    out = [line(headers), line(["-" * w for w in widths])]
    out += [line(r) for r in cells]
    return "\n".join(out)


def rounded(value: float, digits: int = 3) -> float | None:
    return (
        None
        if value is None or (isinstance(value, float) and math.isnan(value))
        else round(value, digits)
    )


def watch_job(app: Any, name: str) -> asyncio.Future:
    """A future resolved with (time.monotonic(), outcome) when the job `name` (scheduled in
    post_init, e.g. "plan-now") has run ("executed", "error") or was skipped by APScheduler
    because it started too late ("missed"). Call before app.start()."""
    from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_MISSED

    job_id = app.job_queue.get_jobs_by_name(name)[0].job.id
    done: asyncio.Future = asyncio.get_running_loop().create_future()
    outcomes = {
        EVENT_JOB_EXECUTED: "executed",
        EVENT_JOB_ERROR: "error",
        EVENT_JOB_MISSED: "missed",
    }

    def listener(event: Any) -> None:
        if event.job_id == job_id and not done.done():
            done.set_result((time.monotonic(), outcomes.get(event.code, str(event.code))))

    app.job_queue.scheduler.add_listener(
        listener, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED
    )
    return done


def last_line(figures: dict[str, Any]) -> None:
    """Print the machine-readable result: one JSON object, the script's last line."""
    print(json.dumps(figures, ensure_ascii=False), flush=True)


def run_and_report(
    bench: Callable[[Any], Awaitable[Any]], report: Callable[[Any], dict[str, Any]], args: Any
) -> int:
    """A script's main: run the measurements, print the report, the total time and the
    last line of figures."""
    from bot.app import use_fast_event_loop

    use_fast_event_loop()  # as `nhacviec run` does
    watch = Stopwatch()
    figures = report(asyncio.run(bench(args)))
    print(f"(total {watch.seconds:.0f} s)")
    last_line(figures)
    return 0


class Stopwatch:
    def __init__(self) -> None:
        self.start = time.perf_counter()

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.start
