"""Time the plan import (text extraction + parsing) of each seed plan.

    uv run python bench/import.py [--quick] [--limit 0.5]

For every plan in tests/fixtures/plans/ whose name starts with a digit (the real seeds),
the time of `extract_text` + `parse_plan` on its .txt bytes is measured several times and
the best run is kept (best-of-N hides noise from other processes). `--quick` does the same
measurement with fewer repeats. A short table is printed, then, as the last line, one
JSON object: {"max_seconds": ..., "per_seed": {...}, "limit_seconds": 0.5}.
The exit status is 1 when a seed is slower than the limit.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from services.documents import extract_text
from services.plan_parser import parse_plan

SEED_DIR = ROOT / "tests" / "fixtures" / "plans"
LIMIT_SECONDS = 0.5


def seed_files() -> list[Path]:
    return sorted(path for path in SEED_DIR.glob("*.txt") if path.name[:1].isdigit())


def best_time(data: bytes, name: str, repeats: int) -> tuple[float, int, int]:
    """(best seconds, agencies, deadlines) over `repeats` runs of the import path."""
    best = float("inf")
    agencies = deadlines = 0
    for _ in range(repeats):
        start = time.perf_counter()
        parsed = parse_plan(extract_text(data, name))
        best = min(best, time.perf_counter() - start)
        agencies, deadlines = len(parsed.agencies), len(parsed.deadlines)
    return best, agencies, deadlines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats (3 instead of 15)")
    parser.add_argument("--limit", type=float, default=LIMIT_SECONDS, help="seconds per seed")
    args = parser.parse_args(argv)
    repeats = 3 if args.quick else 15

    files = seed_files()
    if not files:
        print(f"no seed plans in {SEED_DIR}", file=sys.stderr)
        return 2
    per_seed: dict[str, float] = {}
    print(f"{'seed':<28} {'KiB':>6} {'agencies':>8} {'deadlines':>9} {'best s':>9}")
    for path in files:
        data = path.read_bytes()
        seconds, agencies, deadlines = best_time(data, path.name, repeats)
        per_seed[path.stem] = round(seconds, 5)
        print(
            f"{path.stem:<28} {len(data) / 1024:>6.1f} {agencies:>8} {deadlines:>9} {seconds:>9.4f}"
        )
    worst = max(per_seed.values())
    print(
        f"repeats {repeats}, limit {args.limit} s per seed: "
        f"{'ok' if worst <= args.limit else 'SLOW'}"
    )
    print(json.dumps({"max_seconds": worst, "per_seed": per_seed, "limit_seconds": args.limit}))
    return 0 if worst <= args.limit else 1


if __name__ == "__main__":
    sys.exit(main())
