"""`nhacviec` as its own process, as a coordinator or a server runs it: the environment it is
given (this process's, without any TELEGRAM_* or DATABASE_URL of the machine running the
tests) and the ways a test starts it: to completion (`nhacviec` from a plain test, `run`
from an asyncio one), or as a bot left running (`start`)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(__file__))
PIPE = asyncio.subprocess.PIPE


def bot_env(database_url: str, **settings: str) -> dict[str, str]:
    """The environment of a `nhacviec` process on `database_url`, with these settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_URL"))}
    env.update(DATABASE_URL=database_url, **settings)
    return env


async def start(
    env: dict[str, str], *args: str, stdout: int = PIPE, stderr: int = PIPE
) -> asyncio.subprocess.Process:
    """`nhacviec <args>` (by default `run`), left running."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        *(args or ("run",)),
        env=env,
        cwd=ROOT,
        stdout=stdout,
        stderr=stderr,
    )


async def run(env: dict[str, str], *args: str, timeout: float = 60) -> tuple[int, str, str]:
    """`nhacviec <args>` run to its end: exit code, standard output, standard error."""
    proc = await start(env, *args)
    out, err = await asyncio.wait_for(proc.communicate(), timeout)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


def nhacviec(
    database_url: str, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """`nhacviec <args>` on `database_url`, run to its end, as a coordinator types it."""
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        check=False,
        capture_output=True,
        text=True,
        env=bot_env(database_url, TELEGRAM_BOT_USERNAME="nhacviec_bot", **(env or {})),
        timeout=60,
        cwd=ROOT,
    )


def bench_figures(script: str, *args: str, timeout: float = 120) -> dict:
    """The figures `bench/<script> --quick` prints as its last line. Whether it met its
    limits is the benchmark's verdict (exit status 1), recorded in BENCHMARKS.md, not the
    test's: a test checks that the script measures and reports."""
    done = subprocess.run(
        [sys.executable, f"bench/{script}", "--quick", *args],
        check=False,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=timeout,
    )
    assert done.returncode in (0, 1), done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


async def nhacviec_beside(
    database_url: str, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """`nhacviec` from an asyncio test, beside the bot it runs: on a thread, so the test's
    event loop (the bot's) goes on meanwhile. Blocking it would stop the bot mid-way, maybe
    holding SQLite's write lock, and the command would wait for it in vain."""
    return await asyncio.to_thread(nhacviec, database_url, *args, env=env)
