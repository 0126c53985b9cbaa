"""Escalations are limited per customer address and per hour: a row per ticket opened.

Revision ID: 0009_handoff_escalations
Revises: 0008_console_indexes
Create Date: 2026-11-30

``client_key`` is a keyed hash of the customer's address (bot/handoff/flood.py), never
the address.  Tickets opened before this revision have no row: they count for no limit.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0009_handoff_escalations"
down_revision: Union[str, Sequence[str], None] = "0008_console_indexes"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "handoff_escalations",
        sa.Column("ticket_id", sa.Integer(),
                  sa.ForeignKey("handoff_tickets.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("client_key", sa.String(64)),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_handoff_escalations_client_key", "handoff_escalations", ["client_key"])
    op.create_index("ix_handoff_escalations_opened_at", "handoff_escalations", ["opened_at"])


def downgrade() -> None:
    op.drop_index("ix_handoff_escalations_opened_at", table_name="handoff_escalations")
    op.drop_index("ix_handoff_escalations_client_key", table_name="handoff_escalations")
    op.drop_table("handoff_escalations")
