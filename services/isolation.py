"""Read an uploaded plan in a child process, under CPU and memory limits.

A document is the one input a stranger to our code fully controls and that costs real work
(unzipping, XML, PDF streams, the parser). It is never read in the bot's own process: a
file that needs more than its budget would hold the event loop, and every other person's
answer with it. `read_plan(data, filename, year)` (blocking; `read_plan_async` runs it on
a worker thread) does this:

1. Take a slot (one document at a time: the machine has few cores, and the bot's loop
   keeps the others). `read_plan_async` waits for it on a thread of its own.
2. Start a fresh interpreter on this module (`python -m services.isolation`): nothing of
   the bot's state, threads or locks is inherited, and it costs some 0.2 s. (A
   multiprocessing start method would re-run the caller's main script in the child.)
3. In the child, before it reads the document from its stdin: RLIMIT_CPU to
   `CPU_BUDGET_S` seconds more than its start-up took (the kernel ends it past that) and
   RLIMIT_AS to its current size plus `MEMORY_BUDGET_MB` (an allocation past it fails).
   Then `plan_data.read_plan`: the document's own bounds (services/documents.py) and the
   parser's budget refuse most hostile files with a precise reason first; the limits
   stop the rest.
4. The child writes back the plan, or the error code, with what it used (CPU seconds,
   peak memory above its start), and exits. A child killed by a limit, or silent past
   `WALL_TIMEOUT_S` (killed then), is `too_complex`; out of memory is `too_big_unpacked`.

`Outcome.usage` is what `bench/documents.py` reports against the budgets.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import pickle
import resource
import subprocess
import sys
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from services.errors import DomainError
from services.plan_parser import ParsedPlan

log = logging.getLogger(__name__)

CPU_BUDGET_S = 2
MEMORY_BUDGET_MB = 200
WALL_TIMEOUT_S = 15.0  # a child blocked, not computing (the CPU limit ends the others)
ROOT = Path(__file__).resolve().parent.parent

_SLOT = threading.Lock()
# Documents wait for the slot on a thread of their own: a queue of them never takes the
# default executor's threads, which the chart and the workbook use.
_WAITER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nhacviec-document")


@dataclass(frozen=True)
class Usage:
    cpu_s: float  # the child's CPU time (user + system) reading the document
    peak_mb: float  # its peak resident memory above what it held before it read the file


@dataclass(frozen=True)
class Outcome:
    plan: ParsedPlan | None
    error: str | None  # a DomainError code when the document was refused
    usage: Usage | None  # None when the child was killed before it could tell


def _vm_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def _peak_rss_mb() -> float:
    # VmHWM, not getrusage's ru_maxrss: that one survives exec, so it starts at the
    # parent's size.
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _limit(which: int, soft: int) -> None:
    _, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(which, (soft, hard))


def _child_main() -> None:
    """The child's side: limits, then one document from stdin, one answer to stdout."""
    import docx  # noqa: F401 - imported before the limits: start-up is not the document's
    import pypdf  # noqa: F401

    from services import plan_data

    cpu_s, memory_mb = int(sys.argv[1]), int(sys.argv[2])
    start_cpu, start_rss = time.process_time(), _rss_mb()
    data, filename, year = pickle.loads(sys.stdin.buffer.read())
    _limit(resource.RLIMIT_CPU, math.ceil(start_cpu) + cpu_s)
    _limit(resource.RLIMIT_AS, _vm_bytes() + memory_mb * 1024 * 1024)

    def usage() -> tuple[float, float]:  # a plain tuple: this module is __main__ here
        return time.process_time() - start_cpu, max(0.0, _peak_rss_mb() - start_rss)

    try:
        answer: tuple = ("ok", plan_data.read_plan(data, filename, year))
    except DomainError as error:
        answer = ("error", error.code)
    except MemoryError:
        answer = ("error", "too_big_unpacked")
    except Exception:  # a reader's slip on a damaged file: the file, not the plan's size
        traceback.print_exc()  # to the parent, which logs its tail
        answer = ("error", "corrupt")
    del data
    sys.stdout.buffer.write(pickle.dumps((*answer, usage())))
    sys.stdout.flush()


def read_plan_outcome(
    data: bytes,
    filename: str,
    year: int | None = None,
    *,
    cpu_s: int = CPU_BUDGET_S,
    memory_mb: int = MEMORY_BUDGET_MB,
) -> Outcome:
    """Read a plan in a limited child process (see the module docstring); never raises
    for the document's sake."""
    command = [sys.executable, "-m", "services.isolation", str(cpu_s), str(memory_mb)]
    # What the reader needs, not the bot's secrets: no token, no database address.
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "DATABASE_", "TEST_DATABASE_", "WEBHOOK_"))
    }
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    with _SLOT:
        child = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=ROOT,
            env=env,
        )
        try:
            out, err = child.communicate(pickle.dumps((data, filename, year)), WALL_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            child.kill()
            _, err = child.communicate()
            out = b""
    if err.strip():  # a reader's traceback, or the limit that killed it
        log.warning("plan reader for %r: %s", filename, err.decode(errors="replace")[-2000:])
    try:
        status, value, (cpu, peak) = pickle.loads(out)
    except Exception:  # killed by a limit (no answer, or half of one)
        return Outcome(None, "too_complex", None)
    usage = Usage(cpu, peak)
    if status == "ok":
        return Outcome(value, None, usage)
    return Outcome(None, value, usage)


def read_plan(data: bytes, filename: str, year: int | None = None) -> ParsedPlan:
    """`plan_data.read_plan`, in a limited child process: the plan, or a DomainError."""
    outcome = read_plan_outcome(data, filename, year)
    if outcome.plan is None:
        raise DomainError(outcome.error or "too_complex")
    return outcome.plan


async def read_plan_async(data: bytes, filename: str, year: int | None = None) -> ParsedPlan:
    """`read_plan` off the event loop: other people's answers do not wait for it."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_WAITER, read_plan, data, filename, year)


if __name__ == "__main__":
    _child_main()
