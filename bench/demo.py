"""`nhacviec demo` as a newcomer sees it: seconds to its first line, and to its end.

Each run starts `python -m bot.cli demo` in a fresh process (a temporary TMPDIR, checked
empty afterwards) and times, from the process start, the first line on stdout and the
exit. The floor measured in the same run is a bare `python -c pass` process, so the
figures can be read against this machine's speed at that moment. Targets: first line
within 1 s, the whole demo within 60 s, nothing left behind.

Run: uv run python bench/demo.py [--quick]   (--quick: one run instead of three)
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import last_line, table


def floor_s() -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return time.perf_counter() - start


def one_run() -> tuple[float, float, bool]:
    """(first line s, total s, nothing left behind)"""
    with tempfile.TemporaryDirectory(prefix="nhacviec-bench-demo-") as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")}
        env["TMPDIR"] = tmp
        start = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "demo"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        assert proc.stdout is not None
        proc.stdout.readline()
        first = time.perf_counter() - start
        proc.stdout.read()
        code = proc.wait(120)
        total = time.perf_counter() - start
        if code != 0:
            raise SystemExit(f"demo exited with {code}")
        return first, total, not any(Path(tmp).iterdir())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one run instead of three")
    args = parser.parse_args()
    runs = [one_run() for _ in range(1 if args.quick else 3)]
    floor = min(floor_s() for _ in range(3))
    first = min(r[0] for r in runs)
    total = min(r[1] for r in runs)
    clean = all(r[2] for r in runs)
    print(
        table(
            ["measure", "value", "target"],
            [
                ("python floor (s)", floor, ""),
                ("first line (s)", first, "<= 1"),
                ("whole demo (s)", total, "<= 60"),
                ("temporary folder left", 0 if clean else 1, "0"),
            ],
            digits=2,
        )
    )
    last_line(
        {
            "floor_s": round(floor, 3),
            "first_line_s": round(first, 3),
            "total_s": round(total, 2),
            "left_behind": 0 if clean else 1,
        }
    )


if __name__ == "__main__":
    main()
