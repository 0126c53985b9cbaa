"""Delivery across Rasa processes: two socket.io servers sharing the machine's Redis.

Each server stands for one Rasa process; a "socket" is registered in one of them as
python-socketio registers a connection, and what the server sends to it is recorded.
"""
import asyncio
import contextlib
import uuid

import socketio

from bot.runtime.socket_manager import LocalFirstRedisManager

REDIS_URL = "redis://127.0.0.1:6379/0"


class Process:
    def __init__(self, channel: str, url: str = REDIS_URL) -> None:
        self.manager = LocalFirstRedisManager(url, channel=channel)
        self.server = socketio.AsyncServer(async_mode="asgi", client_manager=self.manager)
        self.sent = []

        async def record(eio_sid, packet):
            self.sent.append((eio_sid, packet.data))

        self.server._send_packet = record

    def connect(self, room: str) -> str:
        """A customer's socket in this process, in the room of their conversation."""
        eio_sid = uuid.uuid4().hex
        sid = self.manager.connect(eio_sid, "/")
        self.manager.enter_room(sid, "/", room)
        return eio_sid

    async def stop(self) -> None:
        self.manager.thread.cancel()


async def until(predicate, timeout: float = 5):
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True


@contextlib.asynccontextmanager
async def two_processes():
    # Made inside the test, not in a fixture: the listeners must run in the test's loop.
    channel = f"test-{uuid.uuid4().hex}"
    first, second = Process(channel), Process(channel)
    first.manager.initialize()
    second.manager.initialize()
    await asyncio.sleep(1)  # both subscribed
    try:
        yield first, second
    finally:
        await first.stop()
        await second.stop()


async def test_a_message_reaches_the_socket_in_the_other_process_once():
    async with two_processes() as (first, second):
        socket = second.connect("conversation-1")
        await first.server.emit("bot_uttered", {"text": "Hi, I'm Anna", "agent": {"name": "Anna"}},
                                room="conversation-1")
        assert await until(lambda: second.sent)
        await asyncio.sleep(0.3)
        assert second.sent == [(socket, ["bot_uttered", {"text": "Hi, I'm Anna", "agent": {"name": "Anna"}}])]
        assert first.sent == []


async def test_a_local_socket_gets_it_at_once_and_once():
    async with two_processes() as (first, second):
        socket = first.connect("conversation-2")
        await first.server.emit("bot_uttered", {"text": "answer"}, room="conversation-2")
        assert first.sent == [(socket, ["bot_uttered", {"text": "answer"}])]  # no Redis round trip
        await asyncio.sleep(0.5)
        assert len(first.sent) == 1 and second.sent == []


async def test_without_redis_local_delivery_goes_on_without_waiting():
    process = Process(f"test-{uuid.uuid4().hex}", url="redis://127.0.0.1:9/0")  # nothing there
    process.manager.initialize()
    process.connect("conversation-3")
    loop = asyncio.get_running_loop()
    started = loop.time()
    for number in range(5):
        await process.server.emit("bot_uttered", {"text": f"answer {number}"}, room="conversation-3")
    assert loop.time() - started < 3  # the first try fails fast; then Redis is skipped
    assert [packet[1]["text"] for _, packet in process.sent] == [f"answer {n}" for n in range(5)]
    assert not process.manager.circuit.usable()
    await process.stop()
