"""`nhacviec demo` as a newcomer runs it: a real process, start to end, and interrupted."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
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
    assert texts.DEMO_REPORT_FILE in report.split("🤖 nhacviec → chị Bình:")[1]  # reached
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
        deadline = time.monotonic() + 90
        assert proc.stdout is not None
        for line in proc.stdout:  # wait until its database exists, then stop it
            if line.startswith("Cơ sở dữ liệu tạm:"):
                folder = Path(line.split(":", 1)[1].strip()).parent
                assert folder.parent == tmp_path and folder.is_dir()
                break
            assert time.monotonic() < deadline
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0
    assert list(tmp_path.iterdir()) == []
