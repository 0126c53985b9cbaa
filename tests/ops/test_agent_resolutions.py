"""A conversation an agent resolved counts as resolved: a live chat by the events the
resolve appends, a follow-up (no chat, no events) by its ticket; `make console-summaries`
(a rebuild from the events) gives the same answer as the live path."""
import io

from sqlalchemy import delete

from bot.handoff import lifecycle
from bot.ops import manage
from bot.storage.annotations import AuditRepository
from bot.storage.conversations import ConversationRepository, ConversationSummary
from bot.storage.tickets import OPEN, NewTicket
from bot.storage.unit_of_work import UnitOfWork
from tests.support import scenarios
from tests.support.handoff import RecordingApi


def resolved_flags(databases):
    with databases.sessions() as session:
        return {row.conversation_id: bool(row.resolved)
                for row in session.query(ConversationSummary)}


def test_a_follow_up_an_agent_resolved_counts_as_resolved_live_and_rebuilt(databases):
    conversations = scenarios.seed(databases)
    late = conversations["late"].sender_id
    uow = UnitOfWork(databases.sessions)
    with uow:
        ticket = uow.tickets.open_ticket(NewTicket(conversation_id=late, reason="asked_for_human",
                                                   language="en"), status=OPEN)
    assert not resolved_flags(databases)[late]
    api = RecordingApi()
    lifecycle.resolve(uow, api, ticket.id, "anna", "Answered by e-mail to bo@example.se.",
                      "period_closed", ["period_closed"])
    assert api.calls == []  # nothing is said in the chat
    live = resolved_flags(databases)
    assert live[late] and live[conversations["resolved"].sender_id]
    assert not live[conversations["lost"].sender_id]

    with databases.sessions() as session, session.begin():
        session.execute(delete(ConversationSummary))
    manage.rebuild_summaries(databases, io.StringIO())
    assert resolved_flags(databases) == live

    with databases.sessions() as session:
        [audited] = [a for a in AuditRepository(session).for_conversation(late)
                     if a.action == "handoff_resolved"]
        assert audited.detail == {"ticket": ticket.id, "error": "period_closed",
                                  "note": "Answered by e-mail to [e-mail]."}
        assert ConversationRepository(session).get(late).resolved
