"""The handoff ticket repository against SQLite and the real PostgreSQL."""
from bot.storage.tickets import NewTicket, TicketRepository


def test_open_ticket_round_trip(database_url):
    repository = TicketRepository(database_url)
    created = repository.open_ticket(NewTicket(
        conversation_id="c1", reason="customer_asked", language="en",
        detected_error="period_closed", extracted_values={"period_date": "2024-12-31"},
        steps_given=["period_closed"], recent_messages=["the period is locked", "åäö ✓"],
    ))
    found = repository.open_ticket_for("c1")
    assert found.id == created.id
    assert found.extracted_values == {"period_date": "2024-12-31"}
    assert found.recent_messages == ["the period is locked", "åäö ✓"]
    assert found.status == "open"
    assert repository.open_ticket_for("someone-else") is None


def test_repository_survives_a_second_instance_on_the_same_database(database_url):
    TicketRepository(database_url).open_ticket(NewTicket("c2", "other", "sv"))
    assert len(TicketRepository(database_url).tickets_for("c2")) == 1
