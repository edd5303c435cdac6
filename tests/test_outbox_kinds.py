"""The outbox's kinds and states live in one registry (services/outbox_kinds.py): every
kind the code queues or renders has its entry, every entry's renderer exists, and state
changes outside TRANSITIONS are refused."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from services import outbox, outbox_kinds
from services.outbox_kinds import KINDS, TRANSITIONS, Delivery, State

ROOT = Path(__file__).resolve().parent.parent
QUEUED = re.compile(
    r"(?:outbox\.row|outbox_row|enqueue|\brow)\(\s*(?:[^()]*?\s)?kind=\"(\w+)\"", re.S
)
RENDERED = re.compile(r"\bkind == \"(\w+)\"")


def _sources() -> list[Path]:
    files = [ROOT / "db" / "models.py"]
    for folder in ("jobs", "services", "bot"):
        files += sorted((ROOT / folder).rglob("*.py"))
    return files


def test_every_kind_queued_or_rendered_anywhere_is_registered():
    queued: set[str] = set()
    for path in _sources():
        queued |= set(QUEUED.findall(path.read_text(encoding="utf-8")))
    rendered = set(RENDERED.findall((ROOT / "jobs" / "render.py").read_text(encoding="utf-8")))
    from jobs.reminders import RENDERERS

    used = queued | rendered | set(RENDERERS) | {"broadcast"}
    # The scan finds what it should (a regex that matched nothing would prove nothing).
    assert {"reminder", "broadcast", "digest", "notices", "contact_state"} <= queued
    assert used - set(KINDS) == set(), "register these in services/outbox_kinds.py"
    assert set(KINDS) - used <= {"notice"}  # only rows older databases may still hold


def test_every_renderer_exists_and_is_the_one_the_dispatcher_uses():
    from jobs.dispatch import AT_MOST_ONCE, Dispatcher
    from jobs.render import render_payload

    class Stub:
        rate_global_per_s, rate_private_per_s, rate_group_per_min = 30.0, 1.0, 20.0
        claim_lease_s, http_timeout_s, send_concurrency = 120.0, 10.0, 4

    dispatcher = Dispatcher(db=None, bot=None, settings=Stub())  # type: ignore[arg-type]
    for name, entry in KINDS.items():
        module, function = entry.renderer.split(":")
        renderer = getattr(importlib.import_module(module), function)
        if renderer is render_payload:
            assert name not in dispatcher.renderers, name
        else:
            assert dispatcher.renderers[name] is renderer, name
        assert entry.dedupe_key and entry.links_to and entry.summary
    assert AT_MOST_ONCE == ("broadcast",)
    assert KINDS["broadcast"].delivery is Delivery.AT_MOST_ONCE
    assert KINDS["reminder"].delivery is Delivery.AT_LEAST_ONCE


def test_states_and_transitions_are_written_once():
    assert set(TRANSITIONS) == set(State)
    reachable, todo = {State.PENDING}, [State.PENDING]
    while todo:
        for nxt in TRANSITIONS[todo.pop()]:
            if nxt not in reachable:
                reachable.add(nxt)
                todo.append(nxt)
    assert reachable == set(State)
    for final in outbox_kinds.FINAL:
        assert TRANSITIONS[final] == frozenset()
    assert outbox_kinds.allowed("sending", "uncertain")
    assert not outbox_kinds.allowed("uncertain", "pending")  # never resent
    assert not outbox_kinds.allowed("sent", "claimed")


async def test_unknown_kinds_and_forbidden_changes_are_refused(db):
    with pytest.raises(ValueError, match="not in services/outbox_kinds.py"):
        outbox.row(kind="remindr", dedupe_key="x", chat_id=1)
    async with db.session() as session:
        with pytest.raises(ValueError, match="not in services/outbox_kinds.py"):
            outbox.enqueue(session, kind="nope", chat_id=1, dedupe_key="y", payload={})
        with pytest.raises(ValueError, match="cannot go from uncertain to sending"):
            await outbox.transition(
                session, ids=[1], worker="w", from_state="uncertain", to_state="sending"
            )
        with pytest.raises(ValueError, match="cannot go from sent to pending"):
            await outbox.mark(session, ids=[1], worker="w", state="pending", from_state="sent")
