"""Live handoff: who has a ticket, how it ended, the customer's e-mail; agents' duty switch.

Revision ID: 0004_live_handoff
Revises: 0003_trainer
Create Date: 2024-11-26

handoff_tickets itself is unchanged (its status takes new values: waiting, claimed,
resolved, handed_back); what live handoff adds is in handoff_ticket_details, so code
from before live handoff keeps reading and writing tickets.  Tickets written before this
revision keep their status ``open`` (the follow-up state).
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0004_live_handoff"
down_revision: Union[str, Sequence[str], None] = "0003_trainer"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "handoff_ticket_details",
        sa.Column("ticket_id", sa.Integer(),
                  sa.ForeignKey("handoff_tickets.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("claimed_by", sa.String(64)),
        sa.Column("agent_name", sa.String(64)),
        sa.Column("claimed_at", sa.DateTime(timezone=True)),
        sa.Column("follow_up_at", sa.DateTime(timezone=True)),
        sa.Column("contact_email", sa.String(255)),
        sa.Column("closed_by", sa.String(64)),
        sa.Column("closed_at", sa.DateTime(timezone=True)),
        sa.Column("resolution_note", sa.Text()),
        sa.Column("resolved_error", sa.String(64)),
    )
    op.create_table(
        "handoff_agents",
        sa.Column("username", sa.String(64), primary_key=True),
        sa.Column("first_name", sa.String(64), nullable=False),
        sa.Column("on_duty", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("handoff_agents")
    op.drop_table("handoff_ticket_details")
