"""contacts leave and are seen, tasks are cancelled, agencies keep their former names,
and an audit trail of role and access changes

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 10:00:00
"""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import db.models

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_seen_at", db.models.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("removed_at", db.models.UTCDateTime(), nullable=True))
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cancelled_at", db.models.UTCDateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("cancel_note", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
        )

    op.create_table(
        "agencyalias",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("name_key", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("created_at", db.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agency.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("agencyalias", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agencyalias_agency_id"), ["agency_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_agencyalias_name_key"), ["name_key"], unique=True)
        batch_op.create_index(batch_op.f("ix_agencyalias_code"), ["code"], unique=False)

    op.create_table(
        "auditevent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", db.models.UTCDateTime(), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("contact_name", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("agency_name", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("actor_contact_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("detail", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.ForeignKeyConstraint(["contact_id"], ["contact.id"]),
        sa.ForeignKeyConstraint(["actor_contact_id"], ["contact.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("auditevent", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_auditevent_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_auditevent_contact_id"), ["contact_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("auditevent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_auditevent_contact_id"))
        batch_op.drop_index(batch_op.f("ix_auditevent_at"))
    op.drop_table("auditevent")
    with op.batch_alter_table("agencyalias", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agencyalias_code"))
        batch_op.drop_index(batch_op.f("ix_agencyalias_name_key"))
        batch_op.drop_index(batch_op.f("ix_agencyalias_agency_id"))
    op.drop_table("agencyalias")
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.drop_column("cancel_note")
        batch_op.drop_column("cancelled_at")
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.drop_column("removed_at")
        batch_op.drop_column("last_seen_at")
