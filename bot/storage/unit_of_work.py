"""A unit of work: one transaction over the project's repositories.

    with UnitOfWork(sessions) as uow:        # a new, short session
        uow.tickets.move(ticket_id, (WAITING,), CLAIMED)
        uow.audit.record(username, "handoff_claimed", conversation_id)
    # left without an error: committed, both rows or neither; with an error: rolled back

Services take the (not yet entered) unit of work and enter it once per transaction, so
a change and its audit row are committed together, and callers never commit after them.
A unit of work may be entered again after it was left (each time a new session), which
is what the handoff's "tell Rasa, or undo" needs: the change, then the undo, each a
transaction of its own.  ``uow.commit()`` inside the block commits early (the rest of
the block is a new transaction).
"""
from __future__ import annotations

import functools
from typing import Optional

from sqlalchemy.orm import Session, sessionmaker

from bot.storage.annotations import AuditRepository
from bot.storage.canned_replies import CannedReplyRepository
from bot.storage.database import make_session_factory, shared_engine
from bot.storage.migrate import ensure_schema
from bot.storage.tickets import AgentRepository, TicketRepository


@functools.lru_cache(maxsize=None)
def session_factory(database_url: str) -> sessionmaker:
    """Sessions on the project's database, for processes without one of their own (the
    action server, the Rasa server's channel): the schema is brought to head and the
    engine made on first use in the process, never at import time.  Only the engine (a
    connection pool) is shared; every unit of work opens and closes its own session."""
    ensure_schema(database_url)
    return make_session_factory(shared_engine(database_url))


class UnitOfWork:
    """The repositories of one session; commits when the block ends, rolls back on error."""

    session: Session
    tickets: TicketRepository
    agents: AgentRepository
    audit: AuditRepository
    canned_replies: CannedReplyRepository

    def __init__(self, sessions: sessionmaker) -> None:
        self._sessions = sessions
        self._session: Optional[Session] = None

    @classmethod
    def for_database(cls, database_url: str) -> "UnitOfWork":
        return cls(session_factory(database_url))

    def __enter__(self) -> "UnitOfWork":
        if self._session is not None:
            raise RuntimeError("this unit of work is already in use")
        self._session = self.session = self._sessions()
        self.tickets = TicketRepository(self.session)
        self.agents = AgentRepository(self.session)
        self.audit = AuditRepository(self.session)
        self.canned_replies = CannedReplyRepository(self.session)
        return self

    def __exit__(self, exc_type, exc, traceback) -> None:
        session, self._session = self._session, None
        try:
            if exc_type is None:
                session.commit()
            else:
                session.rollback()
        finally:
            session.close()

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()
