"""Handoff tickets (the table the action server wrote before there were migrations).

Revision ID: 0001_handoff_tickets
Revises:
Create Date: 2024-11-26

A database deployed before migrations existed already has the table (made by
``create_all``): then this revision only records that it is there.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0001_handoff_tickets"
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    if sa.inspect(op.get_bind()).has_table("handoff_tickets"):
        return
    op.create_table(
        "handoff_tickets",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("reason", sa.String(40), nullable=False),
        sa.Column("detected_error", sa.String(64)),
        sa.Column("extracted_values", sa.JSON(), nullable=False),
        sa.Column("steps_given", sa.JSON(), nullable=False),
        sa.Column("recent_messages", sa.JSON(), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_handoff_tickets_conversation_id", "handoff_tickets", ["conversation_id"])
    op.create_index("ix_handoff_tickets_status", "handoff_tickets", ["status"])


def downgrade() -> None:
    op.drop_index("ix_handoff_tickets_status", table_name="handoff_tickets")
    op.drop_index("ix_handoff_tickets_conversation_id", table_name="handoff_tickets")
    op.drop_table("handoff_tickets")
