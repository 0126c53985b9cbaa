"""Agents confirm the first name customers see: until then it is a guess from the user name.

Revision ID: 0005_agent_name_confirmed
Revises: 0004_live_handoff
Create Date: 2026-11-30

Profiles made before this revision are unconfirmed: their names were guessed ("Ceo"), so
each agent is asked once.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0005_agent_name_confirmed"
down_revision: Union[str, Sequence[str], None] = "0004_live_handoff"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("handoff_agents") as batch:
        batch.add_column(sa.Column("name_confirmed", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("handoff_agents") as batch:
        batch.drop_column("name_confirmed")
