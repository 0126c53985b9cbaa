"""Staff sessions on the server (the console's cookie holds only a random id), and the
sign-in throttle's counts.

Revision ID: 0007_staff_sessions
Revises: 0006_canned_replies
Create Date: 2026-11-30

Signing out deletes the session's row, so a cookie saved before stops working (issue 14
item 4).  Sessions signed with the old cookie format are not carried over: everyone
signs in once more after the upgrade.  ``rate_counts`` holds the failed sign-ins that the
throttle counts when there is no Redis (issue 14 item 5, bot/storage/rate_counts.py).
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0007_staff_sessions"
down_revision: Union[str, Sequence[str], None] = "0006_canned_replies"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "staff_sessions",
        sa.Column("id_hash", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("staff_users.id"), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("last_seen_at", sa.Float(), nullable=False),
    )
    op.create_index("ix_staff_sessions_user_id", "staff_sessions", ["user_id"])
    op.create_table(
        "rate_counts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
    )
    op.create_index("ix_rate_counts_key_at", "rate_counts", ["key", "at"])


def downgrade() -> None:
    op.drop_index("ix_rate_counts_key_at", table_name="rate_counts")
    op.drop_table("rate_counts")
    op.drop_index("ix_staff_sessions_user_id", table_name="staff_sessions")
    op.drop_table("staff_sessions")
