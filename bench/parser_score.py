"""Score the plan parser against the hand-written expectations of the development plans.

    uv run python bench/parser_score.py [--quick] [--verbose]

For every plan in tests/plan_expectations.py (the three seeds and the twelve real plans),
the file is read as the bot reads an upload (`extract_text`, then `parse_plan`) and
compared with what a reader of the plan expects:

- bodies: a found body is right when its name, normalised (case, tone marks, UBND...),
  is the expected one; recall = right / expected, precision = right / found;
- requested flags: of the right bodies, those whose «Đề nghị» flag is right;
- deadlines: of the expected dated report deadlines, those whose day and month were
  found; of those, the ones with the right year; "invented" = dated deadlines found
  that the plan does not have; owners: found deadlines whose owners are the expected;
- refused: a plan the import would turn away (none should be).

A table per plan is printed, then totals, and as the last line one JSON object of the
figures (seeds and real plans apart). `--quick` is accepted for symmetry with the other
benchmarks (the run is the same: it takes about a second). Exit status 1 when a seed is
below 1.0 or the real plans miss the targets (recall 0.9, precision 0.95, deadlines 0.9).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from services.documents import extract_text
from services.names import normalize_name
from services.plan_parser import ParsedPlan, is_plan, parse_plan
from tests.plan_expectations import REAL, SEEDS, Expected

TARGETS = {"recall": 0.9, "precision": 0.95, "deadlines": 0.9}


@dataclass
class Score:
    expected: int = 0
    found: int = 0
    right: int = 0
    flags_right: int = 0
    deadlines_expected: int = 0
    deadlines_found: int = 0
    years_right: int = 0
    owners_right: int = 0
    invented: int = 0
    refused: int = 0
    plans: int = 0

    def add(self, other: Score) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def figures(self) -> dict[str, float | int]:
        def ratio(a: int, b: int) -> float:
            return round(a / b, 3) if b else 1.0

        return {
            "plans": self.plans,
            "bodies_expected": self.expected,
            "bodies_found": self.found,
            "recall": ratio(self.right, self.expected),
            "precision": ratio(self.right, self.found),
            "requested_right": ratio(self.flags_right, self.right),
            "deadlines_expected": self.deadlines_expected,
            "deadline_day_month": ratio(self.deadlines_found, self.deadlines_expected),
            "deadline_years": ratio(self.years_right, self.deadlines_found),
            "deadline_owners": ratio(self.owners_right, self.deadlines_found),
            "invented_deadlines": self.invented,
            "refused": self.refused,
        }


def parse_file(path: Path) -> ParsedPlan:
    return parse_plan(extract_text(path.read_bytes(), path.name))


def score(expected: Expected, parsed: ParsedPlan, verbose: bool) -> Score:
    result = Score(plans=1)
    want = {normalize_name(name): (name, requested) for name, requested, _ in expected.bodies}
    got = {normalize_name(a.name): a for a in parsed.agencies}
    result.expected, result.found = len(want), len(got)
    for key, (name, requested) in want.items():
        agency = got.get(key)
        if agency is None:
            if verbose:
                print(f"    missing: {name}")
            continue
        result.right += 1
        result.flags_right += agency.requested == requested
        if verbose and agency.requested != requested:
            print(f"    requested flag wrong: {name}")
    if verbose:
        for key, agency in got.items():
            if key not in want:
                print(f"    not expected: {agency.name}")
    dated = [d for d in parsed.deadlines if d.date]
    by_day = {(d.date.day, d.date.month): d for d in dated if d.date}
    names = expected.body_names
    for deadline in expected.deadlines:
        year, month, day = (int(part) for part in deadline.date.split("-"))
        result.deadlines_expected += 1
        found = by_day.get((day, month))
        if found is None:
            if verbose:
                print(f"    deadline missing: {deadline.date}")
            continue
        result.deadlines_found += 1
        result.years_right += found.date is not None and found.date.year == year
        want_owners = {normalize_name(n) for n in deadline.owners.resolve(names)}
        result.owners_right += {normalize_name(n) for n in found.owners} == want_owners
    wanted_days = {tuple(int(p) for p in d.date.split("-"))[1:][::-1] for d in expected.deadlines}
    result.invented = sum(1 for key in by_day if key not in wanted_days)
    refused = not is_plan(parsed)
    result.refused = int(refused)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the same run (it is short)")
    parser.add_argument("--verbose", action="store_true", help="list every difference")
    args = parser.parse_args(argv)
    totals = {"seeds": Score(), "real": Score()}
    head = ("plan", "bodies", "found", "right", "flags", "dl", "dl ok")
    print("{:<8} {:>6} {:>5} {:>5} {:>5} {:>3} {:>5}".format(*head))
    for group, plans in (("seeds", SEEDS), ("real", REAL)):
        for key, expected in plans.items():
            parsed = parse_file(expected.path)
            result = score(expected, parsed, args.verbose)
            totals[group].add(result)
            print(
                f"{key:<8} {result.expected:>6} {result.found:>5} {result.right:>5} "
                f"{result.flags_right:>5} {result.deadlines_expected:>3} "
                f"{result.deadlines_found:>5}"
            )
    figures = {group: score.figures() for group, score in totals.items()}
    for group, values in figures.items():
        print(f"{group}: " + ", ".join(f"{k} {v}" for k, v in values.items()))
    seeds, real = figures["seeds"], figures["real"]
    ok = (
        all(seeds[k] == 1.0 for k in ("recall", "precision", "requested_right"))
        and seeds["deadline_day_month"] == 1.0
        and real["recall"] >= TARGETS["recall"]
        and real["precision"] >= TARGETS["precision"]
        and real["deadline_day_month"] >= TARGETS["deadlines"]
        and real["refused"] == 0
        and real["invented_deadlines"] == 0
    )
    print(json.dumps({**figures, "targets": TARGETS, "ok": ok}, ensure_ascii=False))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
