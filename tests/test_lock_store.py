"""The failover lock store against the machine's Redis, and with Redis unreachable."""
import uuid

from bot.lock_store import FailoverRedisLockStore


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
