"""Time the reading of officials' free-text replies (services/parsing.py), huge ones included.

    uv run python bench/replies.py [--quick] [--limit 0.05]

A pasted report of 10,000+ characters must be read as quickly as a short reply: only the
first MAX_CHARS_EXAMINED characters are examined (tests/test_parsing.py checks that no more
is read). For each message below the best of N runs of `parse_reply` is kept (best-of-N
hides noise from other processes). `--quick` does the same with fewer repeats. A table is
printed, then, as the last line, one JSON object:
{"max_seconds": ..., "huge_over_short": ..., "per_message": {...}, "limit_seconds": 0.05}.
The exit status is 1 when a message takes longer than the limit.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from services.parsing import parse_reply

LIMIT_SECONDS = 0.05
TODAY = dt.date(2026, 11, 23)
MESSAGES = {
    "done": "Dạ em đã gửi báo cáo rồi ạ",
    "extension": "xin gia hạn đến 30/11 vì chưa tổng hợp xong số liệu các xã",
    "blocked": "vướng: thiếu kinh phí tổ chức diễn đàn",
    "huge_in_progress": "Dạ em báo cáo tình hình: " + "đang tổng hợp số liệu các xã, " * 400,
    "huge_blocked": "vướng: " + "thiếu kinh phí " * 800,
}


def best_time(text: str, repeats: int) -> tuple[float, str]:
    best = float("inf")
    intent = ""
    for _ in range(repeats):
        start = time.perf_counter()
        intent = parse_reply(text, TODAY).intent
        best = min(best, time.perf_counter() - start)
    return best, intent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats (20 instead of 200)")
    parser.add_argument("--limit", type=float, default=LIMIT_SECONDS, help="seconds per message")
    args = parser.parse_args(argv)
    repeats = 20 if args.quick else 200

    per_message: dict[str, float] = {}
    print(f"{'message':<18} {'chars':>6} {'intent':<12} {'best ms':>8}")
    for name, text in MESSAGES.items():
        seconds, intent = best_time(text, repeats)
        per_message[name] = round(seconds, 6)
        print(f"{name:<18} {len(text):>6} {intent:<12} {seconds * 1000:>8.3f}")
    worst = max(per_message.values())
    # Measured in the same run, so a busy machine moves both: a huge message against the
    # slowest short one. The cap keeps this a small constant whatever the message's length.
    short = max(v for k, v in per_message.items() if not k.startswith("huge"))
    huge_over_short = round(worst / short, 1)
    verdict = "ok" if worst <= args.limit else "SLOW"
    print(
        f"repeats {repeats}, limit {args.limit * 1000:.0f} ms per message: {verdict}; "
        f"huge / short {huge_over_short}x"
    )
    print(
        json.dumps(
            {
                "max_seconds": worst,
                "huge_over_short": huge_over_short,
                "per_message": per_message,
                "limit_seconds": args.limit,
            }
        )
    )
    return 0 if worst <= args.limit else 1


if __name__ == "__main__":
    sys.exit(main())
