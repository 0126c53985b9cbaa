"""The failover lock store against the machine's Redis, and with Redis unreachable."""
import uuid

from bot.runtime.lock_store import FailoverRedisLockStore


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
