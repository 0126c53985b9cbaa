"""Indexes for the console on an aged database: the agent inbox's follow-ups, newest first.

Revision ID: 0008_console_indexes
Revises: 0007_staff_sessions
Create Date: 2026-11-30

The inbox pages through a status's tickets in created order (``WHERE status = 'open'
ORDER BY created_at DESC, id DESC LIMIT 25 OFFSET n``, bot/storage/tickets.py
``with_status``).  With the status index alone the database reads and sorts every
follow-up for each page; with (status, created_at, id) it walks the page off the index
(EXPLAIN on SQLite and PostgreSQL: no sort step).
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0008_console_indexes"
down_revision: Union[str, Sequence[str], None] = "0007_staff_sessions"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # A database whose tickets table came from the model's create_all (before there were
    # migrations, revision 0001) has the index already.
    existing = {i["name"] for i in sa.inspect(op.get_bind()).get_indexes("handoff_tickets")}
    if "ix_handoff_tickets_status_created" not in existing:
        op.create_index("ix_handoff_tickets_status_created", "handoff_tickets", ["status", "created_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_handoff_tickets_status_created", table_name="handoff_tickets")
