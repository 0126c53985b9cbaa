"""Staff console: accounts, conversation summaries, tags, notes, reviews, audit log.

Revision ID: 0002_staff_console
Revises: 0001_handoff_tickets
Create Date: 2024-11-26
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0002_staff_console"
down_revision: Union[str, Sequence[str], None] = "0001_handoff_tickets"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "staff_users",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("session_epoch", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("created_by", sa.String(64)),
        sa.Column("last_login_at", sa.Float()),
    )
    op.create_table(
        "conversation_summaries",
        sa.Column("conversation_id", sa.String(255), primary_key=True),
        sa.Column("first_ts", sa.Float(), nullable=False),
        sa.Column("last_ts", sa.Float(), nullable=False),
        sa.Column("language", sa.String(8)),
        sa.Column("errors", sa.String(600), nullable=False),
        sa.Column("last_error", sa.String(64)),
        sa.Column("escalated", sa.Boolean(), nullable=False),
        sa.Column("resolved", sa.Boolean(), nullable=False),
        sa.Column("fell_back", sa.Boolean(), nullable=False),
        sa.Column("min_confidence", sa.Float()),
        sa.Column("user_messages", sa.Integer(), nullable=False),
        sa.Column("bot_messages", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(32)),
        sa.Column("first_message", sa.Text(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("updated_ts", sa.Float(), nullable=False),
    )
    op.create_index("ix_conversation_summaries_last_ts", "conversation_summaries", ["last_ts"])
    op.create_index("ix_conversation_summaries_language", "conversation_summaries", ["language"])
    op.create_table(
        "conversation_tags",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("tag", sa.String(40), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.UniqueConstraint(
            "conversation_id", "tag", name="uq_conversation_tags_conversation_tag"
        ),
    )
    op.create_index("ix_conversation_tags_tag", "conversation_tags", ["tag", "conversation_id"])
    op.create_table(
        "conversation_notes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
    )
    op.create_index(
        "ix_conversation_notes_conversation_id", "conversation_notes", ["conversation_id"]
    )
    op.create_table(
        "conversation_reviews",
        sa.Column("conversation_id", sa.String(255), primary_key=True),
        sa.Column("reviewed_by", sa.String(64), nullable=False),
        sa.Column("reviewed_at", sa.Float(), nullable=False),
    )
    op.create_table(
        "console_audit",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.Float(), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("conversation_id", sa.String(255)),
        sa.Column("detail", sa.JSON(), nullable=False),
    )
    op.create_index("ix_console_audit_at", "console_audit", ["at"])
    op.create_index("ix_console_audit_conversation_id", "console_audit", ["conversation_id"])


def downgrade() -> None:
    for table in (
        "console_audit", "conversation_reviews", "conversation_notes",
        "conversation_tags", "conversation_summaries", "staff_users",
    ):
        op.drop_table(table)
