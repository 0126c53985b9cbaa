"""A server does its first turns' one-time work before it listens (bot/runtime/warm_up.py),
and writes nothing while doing it."""
import gc

import pytest
import rasa.core.run
from rasa.shared.core.domain import Domain
from sqlalchemy import func, select

from bot.catalogue import load_catalogue
from bot.runtime import rasa_patches
from bot.runtime.tracker_store import ConfiguredSQLTrackerStore
from bot.runtime.warm_up import WARM_UP_MESSAGES, warm_up_actions, warm_up_assistant
from bot.settings import PROJECT_ROOT
from bot.storage.database import make_engine
from bot.storage.events import EVENTS
from tests.support.databases import table_names


@pytest.fixture
def unfrozen():
    """Warm-ups freeze the test process's objects: undone for the tests after."""
    yield
    gc.unfreeze()


class LoadedAgent:
    """What warm_up_assistant reads of Rasa's Agent: parse_message and the tracker store
    (wrapped as Rasa wraps it, in a FailSafeTrackerStore)."""

    def __init__(self, store):
        from rasa.core.tracker_store import FailSafeTrackerStore

        self.tracker_store = FailSafeTrackerStore(store) if store is not None else None
        self.parsed = []

    async def parse_message(self, text):
        self.parsed.append(text)
        return {"text": text}


def count_summaries(url):
    from bot.storage.conversations import ConversationSummary

    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(
                select(func.count()).select_from(ConversationSummary.__table__)).scalar()
    finally:
        engine.dispose()


def test_the_first_write_is_rehearsed_and_rolled_back(database_url, tracker_url):
    """The rehearsal runs the INSERT and the summary's upsert of a first turn (SQLAlchemy
    compiles them then, not in a customer's first turn) and keeps nothing."""
    from sqlalchemy import event as sqlalchemy_event
    from sqlalchemy.engine import Engine

    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    store = ConfiguredSQLTrackerStore(domain=domain, url=tracker_url, database_url=database_url)
    statements = []

    def seen(conn, cursor, statement, *args):
        statements.append(statement)

    # Every engine: with SQLite the summaries are in a file of their own (`make run`).
    sqlalchemy_event.listen(Engine, "before_cursor_execute", seen)
    try:
        store.warm_up("warm up")
    finally:
        sqlalchemy_event.remove(Engine, "before_cursor_execute", seen)
    written = [s.split()[2] for s in statements if s.lstrip().upper().startswith("INSERT")]
    # (a fresh database's migrations insert too)
    assert [t for t in written if t in ("events", "conversation_summaries")] == [
        "events", "conversation_summaries"]
    assert count_events(tracker_url) == 0 and count_summaries(database_url) == 0


def test_the_lock_store_connects_and_loads_its_scripts_before_the_first_turn():
    from bot.runtime.lock_store import FailoverRedisLockStore

    store = FailoverRedisLockStore(url="redis://127.0.0.1:6379/14")
    store.red.script_flush()  # Redis forgets every script (they are loaded again on use)
    store.warm_up()
    scripts = (store._issue, store._drop_expired, store._finish)
    assert store.red.script_exists(*[script.sha for script in scripts]) == [True] * 3
    down = FailoverRedisLockStore(url="redis://127.0.0.1:9/0")  # nothing listens there
    down.warm_up()  # logged, not raised: the first turn uses the in-process lock
    assert not down.circuit.usable()


def count_events(url):
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(select(func.count()).select_from(EVENTS)).scalar()
    finally:
        engine.dispose()


async def test_the_assistant_parses_each_language_readies_the_databases_and_writes_nothing(
        database_url, tracker_url, unfrozen):
    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    store = ConfiguredSQLTrackerStore(domain=domain, url=tracker_url, database_url=database_url)
    agent = LoadedAgent(store)
    assert "conversation_summaries" not in table_names(database_url)

    await warm_up_assistant(agent)

    assert agent.parsed == list(WARM_UP_MESSAGES)
    assert "conversation_summaries" in table_names(database_url)  # the schema is checked
    assert count_events(tracker_url) == 0  # the first write was rehearsed, rolled back
    assert count_summaries(database_url) == 0
    assert gc.get_freeze_count() > 0


async def test_a_database_that_is_down_does_not_stop_the_start(unfrozen):
    class Unreachable:
        def warm_up(self, sender_id):
            raise ConnectionError("the database is down")

    agent = LoadedAgent(None)
    agent.tracker_store = Unreachable()
    await warm_up_assistant(agent)  # logged; the first turn retries the database
    assert agent.parsed == list(WARM_UP_MESSAGES)


async def test_actions_run_in_process_are_loaded_with_their_database_before_the_freeze(
        sqlite_url, monkeypatch, unfrozen):
    from bot.runtime.in_process_actions import InProcessActions

    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    load_catalogue.cache_clear()
    agent = LoadedAgent(None)
    agent.action_endpoint = InProcessActions("actions")
    await warm_up_assistant(agent)
    executor = agent.action_endpoint._executor  # made by the warm-up, not on first use
    assert executor is not None and "action_give_fix" in executor.actions
    assert load_catalogue.cache_info().currsize == 1
    assert "handoff_tickets" in table_names(sqlite_url)
    assert gc.get_freeze_count() > 0


def test_the_action_server_reads_the_catalogue_and_readies_its_database(sqlite_url, unfrozen):
    load_catalogue.cache_clear()
    warm_up_actions(sqlite_url)
    assert load_catalogue.cache_info().currsize == 1
    assert "handoff_tickets" in table_names(sqlite_url)
    assert gc.get_freeze_count() > 0


async def test_rasa_run_warms_up_the_agent_it_loaded_before_it_listens(monkeypatch, unfrozen,
                                                                      database_url, tracker_url):
    """``rasa run`` registers load_agent_on_start to run before Sanic listens; with the
    patches the agent it returns has been warmed up."""
    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    agent = LoadedAgent(ConfiguredSQLTrackerStore(domain=domain, url=tracker_url,
                                                  database_url=database_url))

    async def load_agent_on_start(model_path, endpoints, remote_storage, app, loop):
        return agent

    monkeypatch.setattr(rasa.core.run, "load_agent_on_start", load_agent_on_start)
    rasa_patches.patch_load_agent_on_start(rasa.core.run)
    rasa_patches.event_validators.cache_clear()
    rasa_patches._event_classes.clear()
    loaded = await rasa.core.run.load_agent_on_start("model", None, None, None, None)
    assert loaded is agent
    assert agent.parsed == list(WARM_UP_MESSAGES)
    # The first action reply's validators and event classes are built.
    assert rasa_patches.event_validators.cache_info().currsize == 1
    assert rasa_patches._event_classes["slot"].__name__ == "SlotSet"


async def test_a_deployed_model_is_warmed_up_and_the_old_one_can_be_freed(monkeypatch, unfrozen):
    """``PUT /model`` (the trainer's deploy) loads through ``rasa.server._load_agent``:
    the new agent answers its first customer warm, and the old one, which the start's
    warm-up froze out of the garbage collector, is collected after the swap."""
    import asyncio
    import weakref

    import rasa.server

    new_agent = LoadedAgent(None)

    async def _load_agent(model_path=None, model_server=None, remote_storage=None,
                          endpoints=None):
        return new_agent

    class OldAgent:
        pass

    old_agent = OldAgent()
    old_agent.itself = old_agent  # a cycle, as a loaded model's objects have
    old_agent_freed = weakref.ref(old_agent)
    gc.collect()
    gc.freeze()  # as patch 8's warm-up leaves a server after its start
    del old_agent  # the swap: the server holds the new agent only

    monkeypatch.setattr(rasa.server, "_load_agent", _load_agent)
    monkeypatch.setattr(rasa_patches, "REFREEZE_AFTER_SWAP_SECONDS", 0)
    rasa_patches.patch_model_swap(rasa.server)
    loaded = await rasa.server._load_agent(model_path="models/new.tar.gz")
    assert loaded is new_agent
    assert new_agent.parsed == list(WARM_UP_MESSAGES)
    await asyncio.sleep(0.05)  # the re-freeze, scheduled after the swap
    assert old_agent_freed() is None
    assert gc.get_freeze_count() > 0
