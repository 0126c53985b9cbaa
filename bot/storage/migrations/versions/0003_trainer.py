"""Trainer: decisions about NLU inbox messages (accepted, relabelled, dismissed).

Revision ID: 0003_trainer
Revises: 0002_staff_console
Create Date: 2024-11-26
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# The model of this table joins Base.metadata wherever the schema is migrated, so
# that comparisons of models and migrations see it (alembic imports this file).
from bot.trainer import store  # noqa: F401

revision: str = "0003_trainer"
down_revision: Union[str, Sequence[str], None] = "0002_staff_console"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "trainer_inbox_decisions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("text_key", sa.String(40), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("intent", sa.String(64)),
        sa.Column("language", sa.String(8)),
        sa.Column("decided_by", sa.String(64), nullable=False),
        sa.Column("decided_at", sa.Float(), nullable=False),
        sa.UniqueConstraint("text_key", name="uq_trainer_inbox_decisions_text_key"),
    )


def downgrade() -> None:
    op.drop_table("trainer_inbox_decisions")
