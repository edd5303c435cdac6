"""coordinators' notices ride on the history row of the change

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 08:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("taskevent", schema=None) as batch_op:
        batch_op.add_column(sa.Column("notice", sa.String(), nullable=True))
        batch_op.add_column(sa.Column("notice_state", sa.String(), nullable=True))
    op.create_index(
        "ix_taskevent_notice_pending",
        "taskevent",
        ["id"],
        unique=False,
        sqlite_where=sa.text("notice_state = 'pending'"),
        postgresql_where=sa.text("notice_state = 'pending'"),
    )


def downgrade() -> None:
    op.drop_index(
        "ix_taskevent_notice_pending",
        table_name="taskevent",
        sqlite_where=sa.text("notice_state = 'pending'"),
        postgresql_where=sa.text("notice_state = 'pending'"),
    )
    with op.batch_alter_table("taskevent", schema=None) as batch_op:
        batch_op.drop_column("notice_state")
        batch_op.drop_column("notice")
