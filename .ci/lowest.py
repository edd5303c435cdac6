"""CI: the database-heavy tests on the lowest versions pyproject.toml allows for the database
stack, so that a lower bound that no longer works fails CI instead of a user's install.

    uv run python .ci/lowest.py [--all] [--postgres URL] [pytest arguments...]

It reads the lower bound (">=X") of each package in STACK from pyproject.toml, builds a
second environment (.venv-lowest: `uv sync --frozen` from uv.lock, then those exact versions
with `uv pip install`), checks that it is consistent (`uv pip check`) and holds exactly those
versions, and runs TESTS on it: on SQLite, then with --postgres on that PostgreSQL server
(asyncpg's bound only matters there). --all runs the whole suite instead of TESTS. The
highest versions allowed are the ones uv.lock holds, which the rest of .ci/run tests.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv-lowest"

# The database stack and what it is configured with: SQLAlchemy and its aiosqlite dialect
# (which db/sqlite.py's Connection serves), SQLModel's models, Alembic's migrations, the
# PostgreSQL driver, and pydantic-settings (Settings, which every command reads first).
STACK = ("sqlalchemy", "sqlmodel", "aiosqlite", "asyncpg", "alembic", "pydantic-settings")

# The tests that touch the database most (about 70 s on an idle machine, each database):
# the SQLite driver and what SQLAlchemy's dialect asks of it, units of work, replies and
# the core loop, daily use, delivery with its crash tests and lost answers, reminders,
# backups, and the database's failures at start (migrations run from nothing there, and for
# the template database every other test copies).
FAILURES = "tests/test_run_failures.py::test_"
TESTS = (
    "tests/test_sqlite_driver.py",
    "tests/test_units_of_work.py",
    "tests/test_core_loop.py",
    "tests/test_daily_use.py",
    "tests/test_delivery.py",
    "tests/test_answers_on_a_bad_network.py",
    "tests/test_reminders.py",
    "tests/test_backup.py",
    FAILURES + "an_unusable_path_is_one_line_for_every_command",
    FAILURES + "a_real_read_only_disk_is_refused_before_the_bot_says_it_runs",
    FAILURES + "a_real_full_disk_is_refused_in_one_line",
    FAILURES + "sqlite_causes_are_read_from_real_sqlite_errors",
    FAILURES + "a_second_bot_on_one_sqlite_file_refuses_to_start_until_the_first_is_gone",
    FAILURES + "on_postgresql_one_bot_polls_and_another_takes_over_when_it_dies",
)


def lower_bounds(pyproject: Path = ROOT / "pyproject.toml") -> dict[str, tuple[str, str]]:
    """{name: (requirement as written minus version, lowest version)} for STACK."""
    found: dict[str, tuple[str, str]] = {}
    for line in tomllib.loads(pyproject.read_text())["project"]["dependencies"]:
        match = re.match(r"\s*([A-Za-z0-9_.-]+)(\[[^\]]*\])?\s*(.*)", line)
        assert match, line
        name, extras, spec = match.group(1).lower(), match.group(2) or "", match.group(3)
        if name not in STACK:
            continue
        low = re.search(r">=\s*([0-9][^,;\s]*)", spec)
        if low is None:
            sys.exit(f"lowest.py: {line!r} in pyproject.toml has no lower bound (>=)")
        found[name] = (name + extras, low.group(1))
    missing = set(STACK) - set(found)
    if missing:
        sys.exit(f"lowest.py: not in pyproject.toml's dependencies: {sorted(missing)}")
    return found


def _same(version: str) -> str:
    return re.sub(r"(\.0)+$", "", version)  # 0.20 is 0.20.0


def run(*args: str, **env: str) -> None:
    print("+", " ".join(args), flush=True)
    # (VIRTUAL_ENV, set by `uv run`, names the project's own environment, not this one)
    base = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    subprocess.run(args, cwd=ROOT, check=True, env={**base, **env})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--all", action="store_true", help="the whole suite, not TESTS")
    parser.add_argument("--postgres", metavar="URL", help="also run on this PostgreSQL")
    options, pytest_args = parser.parse_known_args()

    bounds = lower_bounds()
    env = {"UV_PROJECT_ENVIRONMENT": str(VENV), "UV_COMPILE_BYTECODE": "1"}
    run("uv", "sync", "--frozen", "--quiet", **env)
    pins = [f"{requirement}=={version}" for requirement, version in bounds.values()]
    python = str(VENV / "bin" / "python")
    run("uv", "pip", "install", "--quiet", "--python", python, *pins, **env)
    run("uv", "pip", "check", "--quiet", "--python", python)

    # The environment holds exactly the lowest versions (not what a resolver preferred).
    wanted = {name: version for name, (_, version) in bounds.items()}
    have = subprocess.run(
        [python, "-c", "import importlib.metadata as m, json, sys; "
         "print(json.dumps({n: m.version(n) for n in sys.argv[1:]}))", *wanted],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    installed = json.loads(have)
    wrong = {n: (v, installed[n]) for n, v in wanted.items() if _same(installed[n]) != _same(v)}
    if wrong:
        sys.exit(f"lowest.py: asked for, got: {wrong}")
    print("lowest versions:", ", ".join(f"{n} {v}" for n, v in installed.items()), flush=True)

    tests = [] if options.all else list(TESTS)
    pytest = [python, "-m", "pytest", "-q", "-p", "no:randomly", *tests, *pytest_args]
    print("== lowest versions: tests on SQLite ==", flush=True)
    run(*pytest, TEST_DATABASE_URL="")
    if options.postgres:
        print("== lowest versions: tests on PostgreSQL ==", flush=True)
        run(*pytest, TEST_DATABASE_URL=options.postgres)
    return 0


if __name__ == "__main__":
    sys.exit(main())
