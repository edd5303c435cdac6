"""The `nhacviec` command, run as a coordinator runs it: a real process on a real database."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import re
import signal

import pytest

from bot import texts
from tests.processes import bot_env, nhacviec, run, start


@pytest.fixture
def cli(database_url):
    return lambda *args, **kw: nhacviec(database_url, *args, **kw)


def test_agency_add_generates_code_and_matches_names_normalised(cli):
    done = cli("agency", "add", "Sở Y tế")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == texts.CLI_AGENCY_ADDED.format(name="Sở Y tế", code="SYT")
    again = cli("agency", "add", "Sở  Y Tế")
    assert again.returncode == 1
    assert again.stderr.strip() == texts.CLI_AGENCY_EXISTS.format(name="Sở Y tế", code="SYT")
    other = cli("agency", "add", "Sở Tài chính", "--code", "syt")
    assert other.returncode == 1
    assert other.stderr.strip() == texts.CLI_CODE_TAKEN.format(code="SYT", name="Sở Y tế")
    listed = json.loads(cli("agency", "list", "--json").stdout)
    assert listed == [
        {"code": "SYT", "name": "Sở Y tế", "requested": False, "reachable_contacts": 0}
    ]


def test_invite_create_prints_single_use_deep_link(cli):
    cli("agency", "add", "Sở Tư pháp", "--code", "STP")
    done = cli("invite", "create", "--agency", "STP", "--days", "3", "--json")
    assert done.returncode == 0, done.stderr
    invite = json.loads(done.stdout)
    assert invite["link"] == f"https://t.me/nhacviec_bot?start={invite['code']}"
    assert invite["role"] == "official" and invite["agency"] == "STP"
    text = cli("invite", "create", "--coordinator").stdout
    assert "https://t.me/nhacviec_bot?start=" in text and texts.CLI_INVITE_COORDINATOR in text
    bad = cli("invite", "create", "--agency", "KHONGCO")
    assert bad.returncode == 1 and bad.stderr.strip() == texts.CLI_AGENCY_UNKNOWN.format(
        ref="KHONGCO"
    )
    assert cli("invite", "create").returncode == 1


def test_task_add_accepts_vietnamese_and_iso_dates_and_refuses_bad_ones(cli):
    cli("agency", "add", "Sở Y tế", "--code", "SYT")
    ok = cli("task", "add", "--agency", "SYT", "--title", "Báo cáo năm", "--due", "15/11/2026")
    assert ok.returncode == 0, ok.stderr
    assert (
        cli(
            "task", "add", "--agency", "SYT", "--title", "Báo cáo 6 tháng", "--due", "2027-05-15"
        ).returncode
        == 0
    )
    for bad in ("31/02/2026", "15-13-2026", "hôm qua"):
        done = cli("task", "add", "--agency", "SYT", "--title", "X", "--due", bad)
        # (The example in the message is a date a month from today.)
        said = texts.CLI_BAD_DATE.split("{example}")[0].format(value=bad)
        assert done.returncode == 1 and done.stderr.strip().startswith(said), done.stderr
    # Dates out of the years a person may mean are refused, with no traceback, everywhere.
    year = dt.date.today().year
    far = texts.CLI_DATE_OUT_OF_RANGE.format(value="31/12/9999", first=year - 1, last=year + 10)
    for args in (
        ("task", "add", "--agency", "SYT", "--title", "X", "--due", "31/12/9999"),
        ("schedule", "--due", "31/12/9999"),
        ("event", "add", "--name", "Diễn đàn", "--date", "31/12/9999"),
    ):
        done = cli(*args)
        assert done.returncode == 1 and done.stderr.strip() == far, done.stderr
        assert "Traceback" not in done.stderr
    unknown = cli("task", "add", "--agency", "ABC", "--title", "X", "--due", "15/11/2026")
    assert unknown.returncode == 1
    listed = json.loads(cli("task", "list", "--agency", "SYT", "--json").stdout)
    assert [(t["title"], t["due"]) for t in listed] == [
        ("Báo cáo năm", "2026-11-15"),
        ("Báo cáo 6 tháng", "2027-05-15"),
    ]
    status = json.loads(cli("status", "--json").stdout)
    assert status[0]["code"] == "SYT" and len(status[0]["tasks"]) == 2
    assert {t["status"] for t in status[0]["tasks"]} <= {"not_due", "overdue"}
    human = cli("status").stdout
    assert "Sở Y tế (SYT)" in human and "15/11/2026" in human


def test_run_without_token_says_where_to_get_one(cli):
    done = cli("run", env={"TELEGRAM_BOT_TOKEN": ""})
    assert done.returncode == 1
    assert done.stderr.strip() == texts.CLI_NO_TOKEN


def test_bad_arguments_exit_non_zero_in_vietnamese(cli):
    done = cli("task", "add", "--agency")
    assert done.returncode == 2 and "Lỗi" in done.stderr
    assert done.stderr.startswith(texts.ARGPARSE_TEXTS["usage: "])
    assert texts.ARGPARSE_TEXTS["expected one argument"] in done.stderr
    done = cli("calendar", "năm sau")
    assert done.returncode == 2 and texts.CLI_INT_TYPE in done.stderr
    for english in ("usage", "error", "expected", "invalid", "argument"):
        assert english not in done.stderr


ENGLISH = re.compile(
    r"usage:|positional arguments|options:|optional arguments|show this help|error:"
)


def all_parsers(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield from all_parsers(child, (*path, name))


def test_every_help_text_and_option_is_vietnamese():
    from bot.cli import build_parser

    seen = 0
    for path, parser in all_parsers(build_parser()):
        shown = parser.format_help()
        assert not ENGLISH.search(shown), (path, shown)
        assert texts.ARGPARSE_TEXTS["usage: "] in shown
        for action in parser._actions:
            assert action.help, (path, action.dest)  # every option says what it does
            for metavar in (action.metavar,) if isinstance(action.metavar, str) else ():
                assert metavar in texts.CLI_METAVAR.values(), (path, metavar)
        seen += 1
    assert seen >= 20


def test_task_add_help_explains_every_option(cli):
    done = cli("task", "add", "--help")
    assert done.returncode == 0
    for key in ("task_agency", "task_title", "task_reminders", "help"):
        assert " ".join(texts.CLI_HELP[key].split()[:3]) in " ".join(done.stdout.split())
    assert not ENGLISH.search(done.stdout)
    fake = cli("fake-telegram", "--help")
    assert fake.returncode == 0 and not ENGLISH.search(fake.stdout)
    assert texts.FAKE_TELEGRAM_HELP["host"] in fake.stdout
    # every option of the fake server is shown with its Vietnamese help, the network ones too
    from fake_telegram.cli import HELP

    assert HELP.keys() <= texts.FAKE_TELEGRAM_HELP.keys()
    for option in ("--latency-ms", "--jitter", "--lost-fraction", "--lost-mode", "--network-seed"):
        assert option in fake.stdout


async def test_run_survives_sigterm_and_restart(database_url, fake_server, tmp_path):
    """`nhacviec run` against the fake server, stopped with SIGTERM and started again,
    keeps every link, task and status."""
    env = bot_env(
        database_url,
        TELEGRAM_BOT_TOKEN="42:SECRET-TOKEN-VALUE",
        TELEGRAM_API_BASE_URL=fake_server.base_url,
        DISPATCH_INTERVAL_S="0.2",
        LOG_FILE=str(tmp_path / "run.log"),
    )

    async def run_cli(*args: str) -> str:
        code, out, err = await run(env, *args)
        assert code == 0, err
        return out

    async def start_bot(*options: str):
        return await start(env, "run", *options)

    await run_cli("agency", "add", "Sở Y tế", "--code", "SYT")
    await run_cli("task", "add", "--agency", "SYT", "--title", "Báo cáo năm", "--due", "30/12/2026")
    code = json.loads(await run_cli("invite", "create", "--agency", "SYT", "--json"))["code"]
    user = 777
    fake_server.add_user(user, "Nguyễn", "An")

    bot = await start_bot()
    try:
        fake_server.user_sends(user, user, f"/start {code}")
        linked = (await fake_server.wait_for_messages(user, 1, timeout=30))[-1]
        assert linked.text == texts.LINKED_PRIVATE.format(agency="Sở Y tế")
        fake_server.user_sends(user, user, "/viec")
        card = (await fake_server.wait_for_messages(user, 2, timeout=10))[-1]
        fake_server.user_sends(user, user, "đang thực hiện", reply_to=card.message_id)
        await fake_server.wait_for_messages(user, 3, timeout=10)
    finally:
        bot.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(bot.communicate(), 30)
    assert bot.returncode == 0, err.decode()
    assert "SECRET-TOKEN-VALUE" not in err.decode()
    # The terminal: the bot's own lines in Vietnamese, nothing else; details in the log.
    assert out.decode().splitlines() == [
        texts.CLI_BOT_STARTING.format(server=fake_server.base_url.rsplit("/bot", 1)[0]),
        texts.CLI_BOT_STOPPED,
    ]
    assert err.decode() == ""
    log = (tmp_path / "run.log").read_text(encoding="utf-8")
    assert "database schema at revision" in log and "SECRET-TOKEN-VALUE" not in log

    bot = await start_bot("--verbose")
    try:
        fake_server.user_sends(user, user, "/viec")
        listing = (await fake_server.wait_for_messages(user, 4, timeout=30))[-1]
        assert "Báo cáo năm" in listing.text and texts.STATUS["in_progress"] in listing.text
    finally:
        bot.send_signal(signal.SIGINT)
        _, err = await asyncio.wait_for(bot.communicate(), 30)
    assert bot.returncode == 0, err.decode()
    assert "database schema at revision" in err.decode()  # --verbose: details, on the terminal
    status = json.loads(await run_cli("status", "--json"))
    assert status[0]["reachable_contacts"] == 1
    assert status[0]["tasks"][0]["status"] == "in_progress"
