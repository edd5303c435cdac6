"""The terminal of `nhacviec run`: one Vietnamese line per kind of trouble, and none for
what needs nobody's attention."""

from __future__ import annotations

import logging

from bot import logs, texts


def record(name: str, msg: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord(name, logging.WARNING, __file__, 1, msg, args, None)


def test_a_skipped_dispatch_tick_is_not_told_and_a_real_warning_is(capsys, tmp_path):
    terminal = logs.TerminalLines(tmp_path / "run.log")
    # APScheduler's words when a tick comes while the last run still works (a busy moment).
    terminal.emit(
        record(
            "apscheduler.scheduler",
            'Execution of job "%s" skipped: maximum number of running instances reached (%d)',
            "dispatch",
            2,
        )
    )
    assert capsys.readouterr().err == ""
    terminal.emit(record("jobs.dispatch", "outbox rows %s rejected: %s", [1], "Bad Request"))
    told = capsys.readouterr().err
    assert told.count("\n") == 1 and texts.CLI_LOG_WHAT["jobs"] in told
    assert str(tmp_path / "run.log") in told
