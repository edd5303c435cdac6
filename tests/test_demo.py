"""`nhacviec demo` as a newcomer runs it: a real process, start to end, and interrupted."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from bot import texts

ROOT = Path(__file__).resolve().parent.parent


def demo_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_"))}
    env["TMPDIR"] = str(tmp)  # the demo's temporary folder goes here: it must be gone after
    return env


@pytest.mark.timeout(170)
def test_demo_plays_the_whole_day_and_leaves_nothing_behind(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "demo"],
        cwd=ROOT,
        env=demo_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=160,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    lines = out.splitlines()
    assert lines[:2] == [texts.DEMO_TITLE, texts.DEMO_STARTING]  # printed before the imports
    year = None
    for line in lines:
        if line.startswith("Đã nhập và kích hoạt kế hoạch mẫu"):
            year = int(line.split("cho năm ")[1][:4])
    assert year is not None and f"/{year}" in out and "/2025" not in out  # the plan, moved
    steps = [
        texts.DEMO_STEP["link"].strip(),
        texts.DEMO_STEP["list"].strip(),
        texts.DEMO_STEP["reminder"].split("{")[0].strip(),
        texts.DEMO_STEP["reply"].strip(),
        texts.DEMO_STEP["file"].strip(),
        texts.DEMO_STEP["summary"].strip(),
        texts.DEMO_DONE.strip(),
    ]
    positions = [out.find(step) for step in steps]
    assert -1 not in positions and positions == sorted(positions), positions
    reminder = out[positions[2] : positions[3]]
    assert "🤖 nhacviec → anh An:" in reminder and "Nhắc việc" in reminder  # it arrived
    reply = out[positions[3] : positions[4]]
    assert texts.DEMO_REPLY_PROGRESS in reply and "⏳ Đã ghi nhận" in reply  # typed, applied
    report = out[positions[4] : positions[5]]
    to_coordinator = report.split("🤖 nhacviec → chị Bình:")[1:]
    assert any(texts.DEMO_REPORT_FILE in m for m in to_coordinator)  # the file reached her
    summary = out[positions[5] :]
    assert "📊 Tổng hợp ngày" in summary
    assert list(tmp_path.iterdir()) == []  # no temporary folder left


@pytest.mark.timeout(120)
def test_an_interrupted_demo_removes_its_folder(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "demo", "--keep"],
        cwd=ROOT,
        env=demo_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        # Until its database exists, then stop it (pytest-timeout bounds the wait).
        for line in proc.stdout:
            if line.startswith("Cơ sở dữ liệu tạm:"):
                folder = Path(line.split(":", 1)[1].strip()).parent
                assert folder.parent == tmp_path and folder.is_dir()
                break
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0
    assert list(tmp_path.iterdir()) == []


@pytest.mark.timeout(120)
async def test_demo_moves_the_plan_to_the_injected_clocks_year(tmp_path, capsys):
    """The clock says 20:30 on Wednesday 10/03/2027: the plan's deadlines are in 2027, the
    reminder comes at its own time (ahead), and the demo's clock is taken off afterwards."""
    from bot.demo import run_demo
    from services import clock
    from services.clock import VN_TZ, FrozenClock

    frozen = FrozenClock(dt.datetime(2027, 3, 10, 20, 30, tzinfo=VN_TZ))
    clock.set_clock(frozen)
    try:
        await run_demo(tmp_path, 0, False)
        assert clock.get_clock() is frozen
    finally:
        clock.set_clock(clock.SystemClock())
    out = capsys.readouterr().out
    assert "cho năm 2027" in out and "Hôm nay: Thứ Tư, 10/03/2027" in out
    assert "(hạn 10/11/2027)" in out and "/2025" not in out and "/2026" not in out
    reminder = out.split("Tua nhanh đến lần nhắc việc tiếp theo: ")[1].splitlines()[0]
    assert reminder.endswith("/2027 ---") and "⏰ Nhắc việc — Sở Y tế" in out
    assert texts.DEMO_DONE.strip() in out
