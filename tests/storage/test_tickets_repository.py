"""The handoff ticket repository against SQLite and the real PostgreSQL."""
from bot.storage.database import make_engine, make_session_factory
from bot.storage.tickets import NewTicket
from bot.storage.unit_of_work import UnitOfWork


def test_open_ticket_round_trip(database_url):
    with UnitOfWork.for_database(database_url) as uow:
        created = uow.tickets.open_ticket(NewTicket(
            conversation_id="c1", reason="customer_asked", language="en",
            detected_error="period_closed", extracted_values={"period_date": "2024-12-31"},
            steps_given=["period_closed"], recent_messages=["the period is locked", "åäö ✓"],
        ))
    with UnitOfWork.for_database(database_url) as uow:
        found = uow.tickets.open_ticket_for("c1")
        nobody = uow.tickets.open_ticket_for("someone-else")
    assert found.id == created.id
    assert found.extracted_values == {"period_date": "2024-12-31"}
    assert found.recent_messages == ["the period is locked", "åäö ✓"]
    assert found.status == "open"
    assert nobody is None


def test_repository_survives_a_second_instance_on_the_same_database(database_url):
    with UnitOfWork.for_database(database_url) as uow:
        uow.tickets.open_ticket(NewTicket("c2", "other", "sv"))
    engine = make_engine(database_url)  # another process's engine and sessions
    with UnitOfWork(make_session_factory(engine)) as uow:
        assert len(uow.tickets.tickets_for("c2")) == 1
    engine.dispose()
