"""Database tables. Times are stored as naive UTC and read back as aware UTC."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

UTC = dt.UTC


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Store aware datetimes as naive UTC; SQLite has no time zones and PostgreSQL
    `timestamp` columns keep the same shape, so both databases behave alike."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(
        self, value: dt.datetime | None, dialect: sa.Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(
        self, value: dt.datetime | None, dialect: sa.Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def _when(nullable: bool = False, index: bool = False) -> dt.datetime:
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable, index=index)  # type: ignore[return-value]


BigInt = sa.BigInteger


class Agency(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True, index=True)
    name: str
    name_key: str = Field(unique=True, index=True)  # normalised name, see normalize_name
    requested: bool = False  # addressed with "Đề nghị": reminders ask, not order
    created_at: dt.datetime = _when()


class AgencyAlias(SQLModel, table=True):
    """A former name (and code) of an agency, after a rename, merge or split: agency
    lookups and plan imports still find the body by it."""

    id: int | None = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    name: str
    name_key: str = Field(unique=True, index=True)
    code: str | None = Field(default=None, max_length=32, index=True)
    created_at: dt.datetime = _when()


class Contact(SQLModel, table=True):
    """A chat that speaks for an agency (a person's private chat or a group chat),
    or a coordinator's chat."""

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_type=BigInt, unique=True, index=True)
    chat_type: str = "private"
    user_id: int | None = Field(default=None, sa_type=BigInt)
    display_name: str = ""
    agency_id: int | None = Field(default=None, foreign_key="agency.id", index=True)
    role: str = "official"  # official | coordinator
    reachable: bool = True
    unreachable_reason: str | None = None
    linked_at: dt.datetime = _when()
    # Written at most once per services.invites.SEEN_EVERY, not on every update.
    last_seen_at: dt.datetime | None = _when(nullable=True)
    # A removed contact keeps its row (history and the audit trail point at it) but has
    # no agency, no role and no reachability; a new invite links the chat again.
    removed_at: dt.datetime | None = _when(nullable=True)


class Invite(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=64, unique=True, index=True)
    agency_id: int | None = Field(default=None, foreign_key="agency.id")
    role: str = "official"
    created_at: dt.datetime = _when()
    expires_at: dt.datetime = _when()
    used_at: dt.datetime | None = _when(nullable=True)
    used_chat_id: int | None = Field(default=None, sa_type=BigInt)


class Plan(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    number: str | None = None
    year: int | None = None
    authority: str | None = None
    issued: dt.date | None = None
    coordinator: str | None = None
    source_name: str = ""
    plan_key: str = Field(index=True)  # identity across corrected versions
    state: str = "draft"  # draft | active | discarded
    parsed_json: str = ""
    created_at: dt.datetime = _when()
    activated_at: dt.datetime | None = _when(nullable=True)


class Task(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    plan_id: int | None = Field(default=None, foreign_key="plan.id", index=True)
    source_key: str | None = Field(default=None, index=True)  # stable key for re-imports
    kind: str = "task"  # task | report
    title: str
    due_date: dt.date | None = None
    due_time: dt.time | None = None
    progress: str = "open"  # open | in_progress | done | cancelled
    done_at: dt.datetime | None = _when(nullable=True)
    blocked: bool = False
    block_note: str | None = None
    extension_requested: bool = False
    extension_date: dt.date | None = None
    extension_note: str | None = None
    reminder_offsets: str | None = None  # per-task override, "14,7,1"
    cancelled_at: dt.datetime | None = _when(nullable=True)
    cancel_note: str | None = None
    created_at: dt.datetime = _when()
    updated_at: dt.datetime = _when()


class TaskEvent(SQLModel, table=True):
    """History: every change of a task, by whom, from what to what."""

    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="task.id", index=True)
    at: dt.datetime = _when()
    action: str  # created | progress | blocked | extension_requested | extension_approved ...
    from_value: str | None = None
    to_value: str | None = None
    note: str | None = None
    actor_contact_id: int | None = Field(default=None, foreign_key="contact.id")
    actor_user_id: int | None = Field(default=None, sa_type=BigInt)
    actor_name: str | None = None
    chat_id: int | None = Field(default=None, sa_type=BigInt)
    message_id: int | None = Field(default=None, sa_type=BigInt)
    # An official's change is told to the coordinators: its notice (JSON, see
    # jobs/notices.py) rides on the change's last history row, `pending` until the
    # dispatcher queues it (then `queued`); None for rows nobody is told about.
    notice: str | None = None
    notice_state: str | None = None

    __table_args__ = (
        sa.Index(
            "ix_taskevent_notice_pending",
            "id",
            sqlite_where=sa.text("notice_state = 'pending'"),
            postgresql_where=sa.text("notice_state = 'pending'"),
        ),
    )


class Submission(SQLModel, table=True):
    """A report file sent by an official for a task."""

    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="task.id", index=True)
    contact_id: int | None = Field(default=None, foreign_key="contact.id")
    file_id: str
    file_unique_id: str | None = None
    file_name: str | None = None
    file_size: int | None = Field(default=None, sa_type=BigInt)
    mime_type: str | None = None
    at: dt.datetime = _when()


class MessageLink(SQLModel, table=True):
    """What a message the bot sent is about, so replies and buttons find their task."""

    __table_args__ = (sa.Index("ix_messagelink_chat_message", "chat_id", "message_id"),)

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_type=BigInt)
    message_id: int = Field(sa_type=BigInt)
    task_id: int | None = Field(default=None, foreign_key="task.id")
    purpose: str = "card"  # card | list | ask_block | ask_extend | ask_approve_date
    position: int = 0  # the number the task has in a list message
    created_at: dt.datetime = _when()


class Outbox(SQLModel, table=True):
    """One message to one chat, due at a time. The dispatcher claims due rows, sends,
    and marks them; see jobs/dispatch.py for the protocol."""

    __table_args__ = (
        sa.Index("ix_outbox_state_due", "state", "due_at"),
        # A claim on PostgreSQL skips chats another worker sends to (services/outbox.py).
        sa.Index("ix_outbox_chat_state", "chat_id", "state", "sent_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str  # one of services/outbox_kinds.py KINDS (renderer, delivery, dedupe key)
    dedupe_key: str = Field(unique=True)
    chat_id: int = Field(sa_type=BigInt)
    contact_id: int | None = Field(default=None, foreign_key="contact.id")
    task_id: int | None = Field(default=None, foreign_key="task.id", index=True)
    ref_id: int | None = None  # event or broadcast id
    text: str | None = None  # ready text; None means rendered at send time
    payload: str | None = None  # JSON: keyboard and rendering hints
    due_at: dt.datetime = _when()
    state: str = "pending"  # services/outbox_kinds.py State; changes: TRANSITIONS there
    attempts: int = 0
    claimed_by: str | None = None
    claimed_at: dt.datetime | None = _when(nullable=True)
    sent_at: dt.datetime | None = _when(nullable=True)
    message_id: int | None = Field(default=None, sa_type=BigInt)
    error: str | None = None
    late: bool = False  # sent after its time (the bot was down): shown as "nhắc bù"
    acked_at: dt.datetime | None = _when(nullable=True)  # "Đã nhận" pressed (broadcasts)


class Event(SQLModel, table=True):
    """A dated event agencies are told about ahead of time: the seasonal calendar
    (Tháng hành động, Trung thu, ...), events a plan mentions, or a coordinator's own."""

    __table_args__ = (sa.UniqueConstraint("key", "year", name="uq_event_key_year"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str  # stable: "mid_autumn", or "custom-<n>"
    year: int
    name: str
    start: dt.date
    end: dt.date
    lunar: str | None = None  # "15/8" when the date follows the lunar calendar
    kind: str = "event"  # event | report
    lead_days: str = "30,14,7,0"
    agency_codes: str | None = None  # comma-separated; None means every agency
    source: str = "seasonal"  # seasonal | custom | plan
    created_at: dt.datetime = _when()


class AgencyGroup(SQLModel, table=True):
    """A saved set of agencies, e.g. "Các sở" or "UBND xã", for broadcasts and summaries."""

    id: int | None = Field(default=None, primary_key=True)
    name: str
    name_key: str = Field(unique=True, index=True)
    created_at: dt.datetime = _when()


class AgencyGroupMember(SQLModel, table=True):
    group_id: int = Field(foreign_key="agencygroup.id", primary_key=True)
    agency_id: int = Field(foreign_key="agency.id", primary_key=True)


class Broadcast(SQLModel, table=True):
    """A coordinator's message to many agencies; deliveries are outbox rows (kind broadcast)."""

    id: int | None = Field(default=None, primary_key=True)
    created_by: int | None = Field(default=None, foreign_key="contact.id")
    kind: str = "text"  # text | document | photo
    text: str = ""
    file_id: str | None = None
    target: str = "all"  # all | group:<id> | agencies:<codes>
    state: str = "draft"  # draft | sending | done | cancelled
    progress_chat_id: int | None = Field(default=None, sa_type=BigInt)
    progress_message_id: int | None = Field(default=None, sa_type=BigInt)
    created_at: dt.datetime = _when()
    confirmed_at: dt.datetime | None = _when(nullable=True)
    finished_at: dt.datetime | None = _when(nullable=True)


class HeldAnswer(SQLModel, table=True):
    """What a person typed or sent that the bot could not apply yet: it asked a question
    with buttons (which task? this date?), and applies this, as written, once they pick."""

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_type=BigInt, index=True)
    user_id: int | None = Field(default=None, sa_type=BigInt)
    kind: str  # reply | file | approve | event
    text: str = ""
    payload: str = "{}"  # JSON: the choices offered, the task chosen, the file
    created_at: dt.datetime = _when()
    used_at: dt.datetime | None = _when(nullable=True)


class AuditEvent(SQLModel, table=True):
    """Every change of someone's role or access, and of the agencies they belong to: who
    did it (a coordinator in chat, the CLI, the person themselves, Telegram) and when."""

    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime = _when(index=True)
    # linked | removed | left | role_granted | role_revoked | chat_migrated | agency_changed
    # | agency_renamed | agency_merged | agency_split
    action: str
    contact_id: int | None = Field(default=None, foreign_key="contact.id", index=True)
    contact_name: str | None = None
    chat_id: int | None = Field(default=None, sa_type=BigInt)
    agency_name: str | None = None
    actor_contact_id: int | None = Field(default=None, foreign_key="contact.id")
    actor_name: str = ""
    detail: str | None = None  # JSON, English keys
