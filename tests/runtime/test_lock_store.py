"""The failover lock store against the machine's Redis, and with Redis unreachable."""
import asyncio
import json
import types
import uuid

import pytest

from bot.runtime.lock_store import FailoverRedisLockStore, InProcessLockStore


async def test_locks_are_shared_through_redis():
    first = FailoverRedisLockStore(url="redis://127.0.0.1:6379/14")
    second = FailoverRedisLockStore(url="redis://127.0.0.1:6379/14")
    conversation = uuid.uuid4().hex
    ticket = first.issue_ticket(conversation)
    assert second.get_lock(conversation).is_locked(ticket + 1)
    first.cleanup(conversation, ticket)
    assert second.get_lock(conversation) is None


async def test_without_redis_locks_still_order_one_process():
    store = FailoverRedisLockStore(url="redis://127.0.0.1:9/0")  # nothing listens there
    conversation = uuid.uuid4().hex
    async with store.lock(conversation) as lock:
        assert lock.conversation_id == conversation
        later = store.issue_ticket(conversation)
        assert store.get_lock(conversation).is_locked(later)
    assert not store.circuit.usable()


def test_processes_issuing_tickets_at_once_get_distinct_ones_and_keep_them():
    """Several Rasa processes taking tickets for one conversation at the same instant
    (a customer double-sending): every ticket is distinct and none is overwritten, so
    the messages are handled one at a time, in the order of their tickets."""
    import threading

    conversation = uuid.uuid4().hex
    stores = [FailoverRedisLockStore(url="redis://127.0.0.1:6379/14") for _ in range(6)]
    tickets, start = [], threading.Barrier(len(stores))

    def take(store):
        start.wait()
        for _ in range(40):
            tickets.append(store.issue_ticket(conversation, lock_lifetime=60))

    threads = [threading.Thread(target=take, args=(store,)) for store in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(tickets)) == len(tickets) == 240
    held = stores[0].get_lock(conversation)
    assert sorted(t.number for t in held.tickets) == sorted(tickets)

    # Finishing them from all processes at once leaves nothing behind.
    def finish(store, mine):
        start.wait()
        for ticket in mine:
            store.cleanup(conversation, ticket)

    ordered = sorted(tickets)
    threads = [threading.Thread(target=finish, args=(store, ordered[i::len(stores)]))
               for i, store in enumerate(stores)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert stores[0].get_lock(conversation) is None


def _commands_sent(monkeypatch):
    """Counts what the client sends to Redis: one per round trip (a pipeline is one)."""
    import redis.connection

    sent = []
    send = redis.connection.Connection.send_packed_command

    def counting(connection, command, *args, **kwargs):
        sent.append(command)
        return send(connection, command, *args, **kwargs)

    monkeypatch.setattr(redis.connection.Connection, "send_packed_command", counting)
    return sent


async def test_a_turn_takes_and_frees_its_lock_in_two_round_trips(monkeypatch):
    """The usual turn (nobody else in the conversation): one script takes the ticket and
    says it is served, one finishes it.  Rasa's way took seven."""
    store = FailoverRedisLockStore(url="redis://127.0.0.1:6379/14")
    async with store.lock(uuid.uuid4().hex):  # loads the scripts into Redis once
        pass
    sent = _commands_sent(monkeypatch)
    conversation = uuid.uuid4().hex
    async with store.lock(conversation) as lock:
        assert lock.conversation_id == conversation
        assert not lock.is_locked(0)
    assert len(sent) == 2
    assert store.get_lock(conversation) is None


async def test_a_second_message_waits_for_the_first():
    store = FailoverRedisLockStore(url="redis://127.0.0.1:6379/14")
    other_process = FailoverRedisLockStore(url="redis://127.0.0.1:6379/14")
    conversation, order = uuid.uuid4().hex, []

    async def handle(store, name, delay):
        await asyncio.sleep(delay)
        async with store.lock(conversation, wait_time_in_seconds=0.01):
            order.append(name + " start")
            await asyncio.sleep(0.05)
            order.append(name + " end")

    await asyncio.gather(handle(store, "first", 0), handle(other_process, "second", 0.01))
    assert order == ["first start", "first end", "second start", "second end"]
    assert store.get_lock(conversation) is None


@pytest.mark.parametrize("make_store", [
    lambda: FailoverRedisLockStore(url="redis://127.0.0.1:6379/14"),
    lambda: InProcessLockStore(),  # `make run`'s one process
], ids=["redis", "in-process"])
async def test_a_waiting_message_looks_again_within_a_few_milliseconds(monkeypatch, make_store):
    """Rasa asks for the lock without a wait time, and its default (1 s) would answer a
    customer's second quick message a whole second after the first one's answer."""
    import rasa.core.lock_store
    waits = []

    async def recorded_sleep(seconds):
        waits.append(seconds)
        await asyncio.sleep(seconds)

    monkeypatch.setattr(rasa.core.lock_store, "asyncio", types.SimpleNamespace(sleep=recorded_sleep))
    conversation, order = uuid.uuid4().hex, []

    async def handle(name, delay):
        await asyncio.sleep(delay)
        async with store.lock(conversation):  # as Rasa's Agent calls it
            order.append(name)
            await asyncio.sleep(0.05)

    store = make_store()
    await asyncio.gather(handle("first", 0), handle("second", 0.01))
    assert order == ["first", "second"]
    assert waits and max(waits) <= 0.05


def test_every_change_leaves_the_lock_as_rasas_own_store_would(monkeypatch):
    """Random issues, finishes, clean-ups and expiries, applied to this store and to
    Rasa's in-memory one on the same clock: the stored locks are equal after each step."""
    import random
    import time

    from rasa.core.lock_store import InMemoryLockStore

    clock = [1_764_547_200.25]
    monkeypatch.setattr(time, "time", lambda: clock[0])
    ours = FailoverRedisLockStore(url="redis://127.0.0.1:6379/14")
    rasas = InMemoryLockStore()
    conversation, rng = uuid.uuid4().hex, random.Random(15)
    issued = []

    def tickets(store):
        lock = store.get_lock(conversation)
        return None if lock is None else [(t.number, t.expires) for t in lock.tickets]

    for _ in range(400):
        step = rng.choice(["issue", "issue", "finish", "cleanup", "update", "wait"])
        if step == "issue":
            lifetime = rng.choice([0.5, 2, 60])
            number = ours.issue_ticket(conversation, lifetime)
            assert number == rasas.issue_ticket(conversation, lifetime)
            issued.append(number)
        elif step in ("finish", "cleanup") and issued:
            number = rng.choice(issued)
            getattr(ours, step if step == "cleanup" else "finish_serving")(conversation, number)
            getattr(rasas, step if step == "cleanup" else "finish_serving")(conversation, number)
        elif step == "update":
            ours.update_lock(conversation)
            rasas.update_lock(conversation)
        else:
            clock[0] += rng.choice([0.1, 1, 3])
        assert tickets(ours) == tickets(rasas), step
    ours.delete_lock(conversation)


def test_the_stored_lock_is_in_rasas_format():
    from rasa.core.lock import TicketLock

    store = FailoverRedisLockStore(url="redis://127.0.0.1:6379/14")
    conversation = "weird \"id\" / ö " + uuid.uuid4().hex
    first = store.issue_ticket(conversation)
    store.issue_ticket(conversation)
    stored = json.loads(store.red.get("lock:" + conversation))
    assert set(stored) == {"conversation_id", "tickets"}
    assert stored["conversation_id"] == conversation
    assert [set(json.loads(t)) for t in stored["tickets"]] == [{"number", "expires"}] * 2
    lock = TicketLock.from_dict(stored)
    assert lock.now_serving == first and lock.last_issued == first + 1
    store.delete_lock(conversation)


def test_rasa_makes_the_lock_store_the_launcher_configures(tmp_path, monkeypatch):
    """`make run` gets the in-process store, the production profile (Redis) the shared one."""
    import yaml
    from rasa.core.lock_store import LockStore
    from rasa.utils.endpoints import read_endpoint_config

    from bot.ops.launcher import endpoints_file
    from bot.settings import settings

    monkeypatch.setenv("ACTION_SERVER_TOKEN", "x")  # Rasa expands it on reading the file

    def made(environment, folder):
        folder.mkdir()
        path = endpoints_file(settings(environment), folder)
        assert yaml.safe_load(path.read_text())["lock_store"]
        return LockStore.create(read_endpoint_config(str(path), "lock_store"))

    assert type(made({}, tmp_path / "one")) is InProcessLockStore
    redis_store = made({"REDIS_URL": "redis://127.0.0.1:6379/14"}, tmp_path / "many")
    assert type(redis_store) is FailoverRedisLockStore
