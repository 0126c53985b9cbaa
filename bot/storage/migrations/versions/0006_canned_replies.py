"""Canned replies agents insert into a live chat with a keystroke; admins manage them.

Revision ID: 0006_canned_replies
Revises: 0005_agent_name_confirmed
Create Date: 2026-11-30

Seeded with a greeting, "checking" and "closing" in English and Swedish, so that a new
installation has something to insert; admins edit or delete them in the console.
"""
import datetime as dt
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0006_canned_replies"
down_revision: Union[str, Sequence[str], None] = "0005_agent_name_confirmed"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# (shortcut, language, title, text): the defaults a fresh installation starts with.
DEFAULTS = (
    ("hello", "en", "Greeting",
     "Hi, thanks for waiting! I have read what you wrote to the assistant, so you don't "
     "need to repeat it."),
    ("hello", "sv", "Hälsning",
     "Hej, tack för att du väntade! Jag har läst vad du skrev till assistenten, så du "
     "behöver inte upprepa det."),
    ("checking", "en", "Checking",
     "Let me check that for you. It may take a few minutes; please keep this chat open."),
    ("checking", "sv", "Kollar",
     "Jag kollar det åt dig. Det kan ta några minuter; håll gärna chatten öppen."),
    ("closing", "en", "Closing",
     "Glad we could sort it out. If the export fails again, just open this chat. Have a "
     "good day!"),
    ("closing", "sv", "Avslutning",
     "Skönt att det löste sig. Om exporten misslyckas igen är det bara att öppna chatten. "
     "Ha en bra dag!"),
)


def upgrade() -> None:
    table = op.create_table(
        "canned_replies",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("shortcut", sa.String(32), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.Column("updated_by", sa.String(64)),
        sa.UniqueConstraint("shortcut", "language", name="uq_canned_replies_shortcut_language"),
    )
    seeded_at = dt.datetime.now(dt.timezone.utc).timestamp()
    op.bulk_insert(table, [
        {"shortcut": shortcut, "language": language, "title": title, "text": text,
         "updated_at": seeded_at, "updated_by": None}
        for shortcut, language, title, text in DEFAULTS
    ])


def downgrade() -> None:
    op.drop_table("canned_replies")
