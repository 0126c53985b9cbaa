"""Maintenance of the console's data.

    python -m bot.ops.manage rebuild-summaries   # recompute every conversation's summary
    python -m bot.ops.manage mask-stored-events  # mask events stored before masking existed
    python -m bot.ops.manage migrate              # alembic upgrade head on DATABASE_URL

Summaries are recomputed from the tracker store's events (TRACKER_STORE_URL) into
DATABASE_URL; the tracker store keeps them current, so a rebuild is for a new
deployment, after a change to what a summary holds, or after the database was down.
"""
from __future__ import annotations

import argparse
import sys
import time
from typing import Optional

from bot.console.databases import Databases
from bot.privacy import mask_event
from bot.settings import settings
from bot.storage.conversations import SummaryWriter, mark_resolved_by_agents, summarise
from bot.storage.migrate import upgrade


def rebuild_summaries(databases: Databases, out=sys.stdout) -> int:
    started = time.monotonic()
    rows = (
        row
        for row in (summarise(sender, events) for sender, events in databases.events.iterate_conversations())
        if row is not None
    )
    with databases.sessions() as session, session.begin():
        count = SummaryWriter(session).replace_all(rows)
        mark_resolved_by_agents(session)  # follow-ups resolved without a chat
    print(f"Rebuilt {count} conversation summaries in {time.monotonic() - started:.1f} s.", file=out)
    return count


def mask_stored_events(databases: Databases, out=sys.stdout, batch: int = 2000) -> int:
    """Masks personal data in events written before the tracker store masked them."""
    changed = databases.events.mask_stored(mask_event, batch)
    print(f"Masked {changed} stored events.", file=out)
    return changed


def main(argv: Optional[list] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.ops.manage")
    parser.add_argument("command", choices=["rebuild-summaries", "mask-stored-events", "migrate"])
    args = parser.parse_args(argv)
    config = settings()
    if args.command == "migrate":
        upgrade(config.database_url)
        print("Database schema is at head.")
        return 0
    databases = Databases.open(config.database_url, config.tracker_store_url)
    try:
        if not databases.events.exists():
            print("The tracker store has no events table yet.", file=sys.stderr)
            return 1
        if args.command == "mask-stored-events":
            mask_stored_events(databases)
            rebuild_summaries(databases)
        else:
            rebuild_summaries(databases)
        return 0
    finally:
        databases.dispose()


if __name__ == "__main__":
    sys.exit(main())
