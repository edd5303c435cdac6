"""The workbook as a coordinator prints it: the bundled plan (demo/ke_hoach_mau.txt, moved
to the current year as `nhacviec demo` does), activated, a few answers from two bodies
(in progress, an obstacle, an extension, a report file), exported as `/xuat` does, then
converted to PDF by LibreOffice and its pages to PNG by pdftoppm.

    uv run python docs/print_preview.py OUT_DIR [--dpi 80] [--readme 6]

Needs LibreOffice and poppler-utils (Debian: apt-get install libreoffice-calc
poppler-utils fonts-crosextra-carlito). Writes OUT_DIR/nhacviec.xlsx, nhacviec.pdf and
one PNG per page (page-01.png ...). `--readme N` also writes page N, in 32 colours, as
docs/xuat-trang-N.png: the README's picture is `--dpi 80 --readme 6` (a page of «Theo
nhiệm vụ» with the answers of Sở Y tế).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.demo import SAMPLE_PLAN, shift_plan_year
from bot.render import export_labels
from db.session import Database
from services import agencies, clock, invites, plans
from services import tasks as task_service
from services.export import build_export
from services.settings import Settings


async def official(session, agency: str, chat_id: int, name: str) -> task_service.Actor:
    code = await agencies.get_agency(session, agency)
    invite, _ = await invites.create_invite(session, agency_ref=code.code)
    redeemed = await invites.redeem_invite(
        session,
        code=invite.code,
        chat_id=chat_id,
        chat_type="private",
        user_id=chat_id,
        display_name=name,
    )
    return task_service.Actor(contact=redeemed.contact, user_id=chat_id, name=name, chat_id=chat_id)


async def export(folder: Path) -> Path:
    year = clock.today_vn().year
    db = Database(f"sqlite+aiosqlite:///{folder / 'preview.db'}")
    await db.migrate()
    settings = Settings(_env_file=None, database_url=str(db.url))  # type: ignore[call-arg]
    text = shift_plan_year(SAMPLE_PLAN.read_text(encoding="utf-8"), year)
    parsed = plans.read_plan(text.encode(), SAMPLE_PLAN.name, year=year)
    async with db.session() as s:
        draft, _ = await plans.create_draft(
            s, parsed=parsed, source_name=SAMPLE_PLAN.name, notify=False
        )
        await plans.activate(s, plan_id=draft.id or 0, settings=settings)
        an = await official(s, "Sở Y tế", 9002, "Nguyễn Văn An")
        cuc = await official(s, "Sở Tư pháp", 9003, "Lê Thị Cúc")
        yt = [v.id for v in await task_service.list_tasks(s, agency_ref="Sở Y tế")]
        tp = [v.id for v in await task_service.list_tasks(s, agency_ref="Sở Tư pháp")]
        await task_service.apply_action(s, actor=an, task_id=yt[0], action="progress")
        await task_service.record_submission(
            s,
            actor=an,
            task_id=yt[1],
            file_id="preview-file",
            file_unique_id="preview",
            file_name="Bao_cao_cong_tac_tre_em_SYT.docx",
            file_size=48_213,
            mime_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        )
        await task_service.apply_action(
            s, actor=an, task_id=yt[2], action="blocked", note="Chờ số liệu của các huyện"
        )
        await task_service.apply_action(s, actor=cuc, task_id=tp[0], action="done")
        await task_service.apply_action(
            s,
            actor=cuc,
            task_id=tp[1],
            action="extend",
            new_due=clock.today_vn() + dt.timedelta(days=30),
            note="Đang tổng hợp",
        )
        data = await build_export(s, labels=export_labels())
    await db.dispose()
    path = folder / "nhacviec.xlsx"
    path.write_bytes(data)
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--dpi", type=int, default=80)
    parser.add_argument("--readme", type=int, metavar="PAGE", help="write docs/xuat-trang-N.png")
    args = parser.parse_args()
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None or shutil.which("pdftoppm") is None:
        print("needs LibreOffice (soffice) and pdftoppm: see this script's docstring")
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="nhacviec-preview-") as tmp:
        xlsx = asyncio.run(export(Path(tmp)))
        shutil.copy(xlsx, args.out / xlsx.name)
        profile = Path(tmp) / "lo-profile"
        subprocess.run(
            [
                soffice,
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                str(args.out),
                str(args.out / xlsx.name),
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )
    pdf = args.out / "nhacviec.pdf"
    subprocess.run(
        ["pdftoppm", "-png", "-r", str(args.dpi), str(pdf), str(args.out / "page")], check=True
    )
    pages = sorted(args.out.glob("page-*.png"))
    print(f"{pdf} and {len(pages)} pages as PNG in {args.out}")
    if args.readme:
        from PIL import Image

        image = Image.open(pages[args.readme - 1]).convert("RGB").quantize(colors=32)
        image.save(ROOT / "docs" / f"xuat-trang-{args.readme}.png", optimize=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
