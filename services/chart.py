"""PNG chart of where each agency stands: one horizontal bar per agency, stacked by status.

Made to be read on a phone: 1080 px wide, large type, height growing with the number of
agencies (at most MAX_AGENCIES bars; beyond that the agencies with the most unfinished
tasks are shown and the title says so). Each bar ends with "done/total (rate%)"; counts
are written inside the segments wide enough to hold them.

matplotlib's object API only (Figure + FigureCanvasAgg): no pyplot, no global state, safe
to call from a worker thread or process (/bieudo reads and draws in the reports' worker
process: `summary_chart`, services/workers.py). Text is
set in DejaVu Sans, loaded from matplotlib's own files, which has every Vietnamese letter.

Every label is plain text: names, titles and notes come from people and documents, so
matplotlib's mathtext is off for each text drawn (an agency named "Quỹ $5$ triệu" is drawn
as written, not as a formula, and one malformed `$` cannot break the chart), and
`services.plaintext.plain` removes bidirectional and other invisible characters.

Labels: the status names are passed in (`labels=bot.texts.STATUS`); the few other words
come from bot/texts.py (CHART_TEXTS), passed in by the caller.
"""

from __future__ import annotations

import io
import textwrap
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from services.collation import vi_key
from services.plaintext import plain
from services.status import DATED, STANDING, STATUSES

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from services.summary import Summary


# Left to right in a bar: dated tasks, finished first, so that part reads like a progress
# bar, and what is late at its end where the eye lands; then, counted apart, the standing
# duties (no deadline: never "not due"), reported first. Okabe-Ito colours (told apart
# with any colour vision).
ORDER = (
    "done_on_time",
    "done_late",
    "in_progress",
    "not_due",
    "overdue",
    "standing_done",
    "standing",
)
COLORS = {
    "done_on_time": "#009E73",  # bluish green
    "done_late": "#F0E442",  # yellow
    "in_progress": "#0072B2",  # blue
    "not_due": "#BBBBBB",  # grey
    "overdue": "#D55E00",  # vermillion
    "standing_done": "#CC79A7",  # reddish purple
    "standing": "#EBD3E1",  # the same, light
}
TEXT_ON = {
    "done_on_time": "white",
    "done_late": "black",
    "in_progress": "white",
    "not_due": "black",
    "overdue": "white",
    "standing_done": "white",
    "standing": "black",
}
OPEN = ("not_due", "in_progress", "overdue")  # dated tasks not done
DONE = ("done_on_time", "done_late")

MAX_AGENCIES = 40
WIDTH_PX = 1080
DPI = 150  # 1 pt = 150/72 px; 10 pt text is 21 px high
ROW_PX = 54  # per bar (room for a name on two lines)
LEFT_PX, RIGHT_PX, BOTTOM_PX = 330, 24, 100
TOP_PAD_PX, TITLE_LINE_PX, LEGEND_PX = 24, 40, 128
TITLE_WRAP, TITLE_MAX_LINES = 48, 4
NAME_WRAP = 26
MIN_SEGMENT_PX = 30  # narrower segments get no number
END_LABEL_PX = 170  # room kept right of the longest bar for "done/total (rate%)"

_FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
_REGULAR = _FONT_DIR / "DejaVuSans.ttf"
_BOLD = _FONT_DIR / "DejaVuSans-Bold.ttf"


@dataclass(frozen=True)
class AgencyCounts:
    """One agency's tasks by status (keys of services.status.STATUSES)."""

    name: str
    counts: Mapping[str, int]

    def count(self, status: str) -> int:
        return int(self.counts.get(status, 0))

    @property
    def total(self) -> int:
        return sum(self.count(s) for s in STATUSES)

    @property
    def open(self) -> int:
        return sum(self.count(s) for s in OPEN)

    @property
    def done(self) -> int:
        return sum(self.count(s) for s in DONE)

    @property
    def dated(self) -> int:
        return sum(self.count(s) for s in DATED)

    @property
    def standing(self) -> int:
        return sum(self.count(s) for s in STANDING)


def counts_from_summary(summary: Summary) -> list[AgencyCounts]:
    """The rows for completion_chart from services.summary.summarize()."""
    return [AgencyCounts(name=a.name, counts=dict(a.counts)) for a in summary.agencies]


def _font(size: float, bold: bool = False) -> FontProperties:
    return FontProperties(fname=_BOLD if bold else _REGULAR, size=size)


def _nfc(text: str) -> str:
    # Decomposed Vietnamese (letter + combining marks, as some Word files have it) is drawn
    # with misplaced marks; the composed form uses the font's own glyphs.
    return unicodedata.normalize("NFC", plain(text))


def _title_lines(title: str, note: str | None) -> list[str]:
    lines = textwrap.wrap(_nfc(title), TITLE_WRAP) or [""]
    if len(lines) > TITLE_MAX_LINES - (1 if note else 0):
        lines = lines[: TITLE_MAX_LINES - (1 if note else 0)]
        lines[-1] = lines[-1][: TITLE_WRAP - 1] + "…"
    return [*lines, note] if note else lines


def _name_lines(name: str) -> str:
    """An agency name on one line, or two lines of about equal length, cut with "…"."""
    name = " ".join(_nfc(name).split())
    if len(name) <= NAME_WRAP:
        return name
    for width in range((len(name) + 1) // 2, NAME_WRAP + 1):
        lines = textwrap.wrap(name, width)
        if len(lines) <= 2:
            return "\n".join(lines)
    lines = textwrap.wrap(name, NAME_WRAP)
    return f"{lines[0]}\n{lines[1][: NAME_WRAP - 1]}…"


def select_rows(rows: Sequence[AgencyCounts], limit: int = MAX_AGENCIES) -> list[AgencyCounts]:
    """The bars, top to bottom: most unfinished tasks first, then most overdue, then name;
    at most `limit` of them."""
    ordered = sorted(rows, key=lambda r: (-r.open, -r.count("overdue"), vi_key(r.name)))
    return ordered[:limit]


def _height(n_bars: int, title_lines: int) -> int:
    return (
        TOP_PAD_PX + title_lines * TITLE_LINE_PX + LEGEND_PX + max(n_bars, 1) * ROW_PX + BOTTOM_PX
    )


def chart_size(
    rows: Sequence[AgencyCounts],
    title: str,
    *,
    max_agencies: int = MAX_AGENCIES,
    texts: Mapping[str, str],
) -> tuple[int, int]:
    """(width, height) in pixels of completion_chart(rows, title=title)."""
    shown = min(len(rows), max_agencies)
    note = texts["truncated"].format(shown=shown, total=len(rows)) if len(rows) > shown else None
    return WIDTH_PX, _height(shown, len(_title_lines(title, note)))


def completion_chart(
    rows: Sequence[AgencyCounts],
    *,
    labels: Mapping[str, str],
    title: str,
    texts: Mapping[str, str],
    max_agencies: int = MAX_AGENCIES,
) -> bytes:
    """PNG bytes: stacked bars by status per agency. `labels` maps each status to its name
    (bot.texts.STATUS); `title` is shown on top, with a note when agencies were left out."""
    bars = select_rows(rows, max_agencies)
    note = (
        texts["truncated"].format(shown=len(bars), total=len(rows))
        if len(rows) > len(bars)
        else None
    )
    title_lines = _title_lines(title, note)
    width, height = WIDTH_PX, _height(len(bars), len(title_lines))

    fig = Figure(figsize=(width / DPI, height / DPI), dpi=DPI, facecolor="white")
    FigureCanvasAgg(fig)
    top = height - TOP_PAD_PX
    fig.text(
        0.5,
        top / height,
        "\n".join(title_lines[: len(title_lines) - (1 if note else 0)]),
        ha="center",
        va="top",
        fontproperties=_font(14, bold=True),
        linespacing=1.25,
        parse_math=False,
    )
    if note:
        fig.text(
            0.5,
            (top - (len(title_lines) - 1) * TITLE_LINE_PX) / height,
            note,
            ha="center",
            va="top",
            fontproperties=_font(11),
            color="#444444",
            parse_math=False,
        )
    legend_top = top - len(title_lines) * TITLE_LINE_PX
    legend = fig.legend(
        handles=[
            Patch(facecolor=COLORS[s], edgecolor="none", label=_nfc(labels[s])) for s in ORDER
        ],
        loc="upper center",
        bbox_to_anchor=(0.5, legend_top / height),
        ncols=3,
        frameon=False,
        prop=_font(10.5),
        handlelength=1.4,
        columnspacing=1.2,
        borderaxespad=0,
    )
    for label in legend.get_texts():
        label.set_parse_math(False)

    axes_w = width - LEFT_PX - RIGHT_PX
    axes_h = max(len(bars), 1) * ROW_PX
    ax = fig.add_axes((LEFT_PX / width, BOTTOM_PX / height, axes_w / width, axes_h / height))
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(axis="x", labelsize=10, labelfontfamily="DejaVu Sans")
    ax.tick_params(axis="y", length=0)
    ax.set_xlabel(texts["xlabel"], fontproperties=_font(10.5), parse_math=False)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(axis="x", color="#E5E5E5", linewidth=0.8)
    ax.set_axisbelow(True)

    if not bars:
        ax.set_yticks([])
        ax.set_xticks([])
        ax.text(
            0.5,
            0.5,
            texts["empty"],
            ha="center",
            va="center",
            transform=ax.transAxes,
            fontproperties=_font(12),
            parse_math=False,
        )
        return _png(fig)

    longest = max(max(r.total for r in bars), 1)
    # Keep END_LABEL_PX free right of the longest bar.
    xmax = longest * axes_w / max(axes_w - END_LABEL_PX, 1)
    ax.set_xlim(0, xmax)
    ax.set_ylim(len(bars) - 0.5, -0.5)  # first bar on top
    px_per_task = axes_w / xmax
    ys = range(len(bars))
    left = [0] * len(bars)
    for status in ORDER:
        counts = [r.count(status) for r in bars]
        ax.barh(
            ys,
            counts,
            left=left,
            height=0.68,
            color=COLORS[status],
            edgecolor="white",
            linewidth=0.6,
        )
        for y, x0, n in zip(ys, left, counts, strict=True):
            if n and n * px_per_task >= MIN_SEGMENT_PX:
                ax.text(
                    x0 + n / 2,
                    y,
                    str(n),
                    ha="center",
                    va="center",
                    color=TEXT_ON[status],
                    fontproperties=_font(9, bold=True),
                    parse_math=False,
                )
        left = [a + b for a, b in zip(left, counts, strict=True)]
    for y, r in zip(ys, bars, strict=True):
        rate = round(100 * r.done / r.dated) if r.dated else 0
        end = texts["bar_end"].format(done=r.done, total=r.dated, rate=rate) if r.dated else ""
        if r.standing:
            standing = texts["bar_end_standing"].format(
                done=r.count("standing_done"), total=r.standing
            )
            end = f"{end} · {standing}" if end else standing
        ax.text(
            r.total + xmax * 0.01,
            y,
            end,
            ha="left",
            va="center",
            fontproperties=_font(9.5),
            color="#222222",
            parse_math=False,
        )
    ax.set_yticks(list(ys), labels=[_name_lines(r.name) for r in bars])
    for tick in ax.get_yticklabels():
        tick.set_fontproperties(_font(10))
        tick.set_linespacing(1.15)
        tick.set_parse_math(False)
    return _png(fig)


def _png(fig: Figure) -> bytes:
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=DPI, facecolor="white")
    return out.getvalue()


async def summary_chart(
    session: AsyncSession, *, labels: Mapping[str, str], title: str, texts: Mapping[str, str]
) -> bytes:
    """The chart of the whole province as it stands (/bieudo): read, then drawn."""
    from services.summary import summarize

    rows = counts_from_summary(await summarize(session))
    return completion_chart(rows, labels=labels, title=title, texts=texts)
