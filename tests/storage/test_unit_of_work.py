"""The unit of work (bot/storage/unit_of_work.py) on SQLite and PostgreSQL: what is done
in one block is committed together, or not at all."""
import pytest

from bot.storage.tickets import NewTicket
from bot.storage.unit_of_work import UnitOfWork


def test_a_block_left_normally_commits_the_ticket_and_its_audit_row(database_url):
    uow = UnitOfWork.for_database(database_url)
    with uow:
        ticket = uow.tickets.open_ticket(NewTicket("conv-uow-1", "other", "en"))
        uow.audit.record("anna", "handoff_claimed", "conv-uow-1", ticket=ticket.id)
    with uow:  # entered again: a new session that sees what the first one committed
        assert [t.id for t in uow.tickets.tickets_for("conv-uow-1")] == [ticket.id]
        assert [e.action for e in uow.audit.for_conversation("conv-uow-1")] == ["handoff_claimed"]


def test_an_error_in_the_block_rolls_both_back(database_url):
    uow = UnitOfWork.for_database(database_url)
    with pytest.raises(RuntimeError):
        with uow:
            uow.tickets.open_ticket(NewTicket("conv-uow-2", "other", "en"))
            uow.audit.record("anna", "handoff_claimed", "conv-uow-2")
            raise RuntimeError("the audit write failed")
    with uow:
        assert uow.tickets.tickets_for("conv-uow-2") == []
        assert uow.audit.for_conversation("conv-uow-2") == []


def test_a_unit_of_work_is_one_block_at_a_time(database_url):
    uow = UnitOfWork.for_database(database_url)
    with uow:
        with pytest.raises(RuntimeError):
            uow.__enter__()
