"""Every message the bot sends on its own, in one place: the outbox's kinds and states.

Each outbox row (db/models.py `Outbox`) has a `kind` and a `state`. This module is the one
list of both: for each kind, what renders it at send time, whether it is delivered at most
once or at least once, the form of its dedupe key (one row per key, so planning twice never
queues twice), and what the message sent is linked to (so a button press or a reply to it
finds its task). The dispatcher (jobs/dispatch.py) reads the delivery promise from here, and
services/outbox.py refuses a state change that `TRANSITIONS` does not list.

Renderers are named as "module:function" (jobs/ imports telegram, services/ does not); a
test resolves every one of them and checks that every kind the code queues is listed.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Delivery(StrEnum):
    AT_LEAST_ONCE = "at_least_once"
    """Sent again when the outcome is unknown or after a crash: a copy may repeat, none is
    lost (reminders: a second one is harmless, a missed one is not)."""
    AT_MOST_ONCE = "at_most_once"
    """Never sent twice: a send without a definite answer is `uncertain` and reported."""


class State(StrEnum):
    PENDING = "pending"  # waiting for its time
    CLAIMED = "claimed"  # taken by one worker (lease in claimed_at)
    SENDING = "sending"  # at-most-once only: its request is (or may be) on its way
    SENT = "sent"
    FAILED = "failed"  # refused for good (403, bad request) or could not be rendered
    SKIPPED = "skipped"  # nothing to say any more (task done, broadcast cancelled, unreachable)
    UNCERTAIN = "uncertain"  # at-most-once: may or may not have arrived; never resent


FINAL = frozenset({State.SENT, State.FAILED, State.UNCERTAIN})

TRANSITIONS: dict[State, frozenset[State]] = {
    State.PENDING: frozenset({State.CLAIMED, State.SKIPPED}),
    # CLAIMED -> CLAIMED: the claim renewed before a send, or taken over after its lease.
    State.CLAIMED: frozenset(
        {State.CLAIMED, State.SENDING, State.SENT, State.FAILED, State.SKIPPED, State.PENDING}
    ),
    # SENDING -> CLAIMED: a definite refusal (429, a migrated group) - nothing was delivered.
    State.SENDING: frozenset({State.SENDING, State.SENT, State.UNCERTAIN, State.CLAIMED}),
    State.SENT: frozenset(),
    State.FAILED: frozenset(),
    # SKIPPED -> PENDING: the person became reachable again (/start, a new invite).
    State.SKIPPED: frozenset({State.PENDING}),
    State.UNCERTAIN: frozenset(),
}


def allowed(from_state: str, to_state: str) -> bool:
    return State(to_state) in TRANSITIONS[State(from_state)]


@dataclass(frozen=True)
class Kind:
    name: str
    renderer: str
    """"module:function" called at send time, or "jobs.render:render_payload" for rows
    whose payload (or ready text) is all the message needs."""
    delivery: Delivery
    dedupe_key: str
    """The form of its dedupe key (where it is made: the module that queues it)."""
    links_to: str
    """What the sent message is linked to (services.tasks.link_message), or "nothing"."""
    summary: str


_PAYLOAD = "jobs.render:render_payload"
_ONCE, _AGAIN = Delivery.AT_MOST_ONCE, Delivery.AT_LEAST_ONCE

KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind(
            "reminder",
            "jobs.reminders:render_reminder",
            _AGAIN,
            "rem:<task>:<contact>:<deadline>:<rule>:<offset> (services/reminders.py)",
            "the task's card (buttons ✅ ⚠️ 📅 act on it)",
            "a task's deadline is near or past; one task's rows due together go as one",
        ),
        Kind(
            "standing",
            "jobs.reminders:render_standing",
            _AGAIN,
            "std:<task>:<contact>:<report date>:lead (services/reminders.py)",
            "the cards of the agency's standing duties (a list)",
            "a body with standing duties is asked how they stand before a report date",
        ),
        Kind(
            "escalation",
            "jobs.reminders:render_escalation",
            _AGAIN,
            "esc:<task>:<coordinator>:<deadline> (services/reminders.py)",
            "nothing",
            "a coordinator is told of a task overdue by several working days",
        ),
        Kind(
            "event",
            "jobs.reminders:render_event",
            _AGAIN,
            "evt:<event>:<contact>:<day> (services/reminders.py)",
            "nothing",
            "notice of a seasonal or plan event ahead of its date",
        ),
        Kind(
            "digest",
            "jobs.reminders:render_digest",
            _AGAIN,
            "digest:<week>:<coordinator> (services/reminders.py)",
            "nothing",
            "the coordinators' weekly digest",
        ),
        Kind(
            "agency_unreachable",
            "jobs.reminders:render_agency_unreachable",
            _AGAIN,
            "unreach:<contact>:<time>:<coordinator> (services/outbox.py)",
            "nothing",
            "an agency has nobody left the bot can reach",
        ),
        Kind(
            "plan_review",
            "jobs.reminders:render_plan_review",
            _AGAIN,
            "plan:<plan>:<coordinator> (services/plans.py)",
            "nothing (its buttons carry the plan id)",
            "a plan draft waits for a coordinator's review",
        ),
        Kind(
            "broadcast",
            "jobs.broadcasts:render_broadcast",
            _ONCE,
            "bc:<broadcast>:<contact> (services/broadcasts.py)",
            "nothing (its «Đã nhận» button carries the row id)",
            "a coordinator's broadcast, one row per recipient",
        ),
        Kind(
            "notices",
            _PAYLOAD,
            _AGAIN,
            "notices:<span>:<coordinator>:<part> (jobs/notices.py)",
            "nothing",
            "coordinators' pending notices of changes, many lines to a message",
        ),
        Kind(
            "notice",
            _PAYLOAD,
            _AGAIN,
            "(rows queued before jobs/notices.py; none are made now)",
            "nothing",
            "one change notice per row, as older databases may still hold",
        ),
        Kind(
            "extension_request",
            _PAYLOAD,
            _AGAIN,
            "ev<history event>:<coordinator> (services/tasks.py)",
            "the task (purpose extension: the coordinator's ✅/❌ decide it)",
            "an official asks for a later deadline",
        ),
        Kind(
            "extension_decision",
            _PAYLOAD,
            _AGAIN,
            "ev<history event>:<official> (services/tasks.py)",
            "the task's card",
            "the coordinator's answer to an extension request",
        ),
        Kind(
            "report_file",
            _PAYLOAD,
            _AGAIN,
            "ev<history event>:<coordinator> (services/tasks.py)",
            "nothing",
            "an official's report file, forwarded to coordinators",
        ),
        Kind(
            "task_changed",
            _PAYLOAD,
            _AGAIN,
            "tc:<history event>:<contact> (services/task_admin.py)",
            "nothing",
            "a coordinator corrected a task: its agency is told",
        ),
        Kind(
            "contact_state",
            _PAYLOAD,
            _AGAIN,
            "reach:<contact>:<0|1>:<time>:<coordinator> (services/contacts.py)",
            "nothing",
            "a contact became reachable or unreachable",
        ),
    )
}

AT_MOST_ONCE = tuple(name for name, kind in KINDS.items() if kind.delivery is _ONCE)
MERGED_PER_TASK = ("reminder",)
"""Kinds whose rows for one chat and one task due together go as one message."""
