"""Delivery to a customer's socket whichever Rasa process holds it.

With several Rasa processes, the customer's socket.io connection lives in one of them,
but an agent's message arrives through Rasa's HTTP API at any of them (nginx balances).
python-socketio's Redis client manager solves that: every emit is published on a Redis
channel, and each process delivers it to the sockets it holds.

Used as it is, though, every emit would depend on Redis: with Redis down, no customer
would get any answer at all.  ``LocalFirstRedisManager`` delivers to its own sockets
first, without Redis, and then publishes for the other processes (which deliver to
theirs; a process ignores what it published itself).  When Redis is down, it notices
once (bot/runtime/circuit.py), keeps delivering locally, and tries Redis again after a while:
the assistant's own answers (always emitted by the process that holds the socket) never
wait for Redis; only a message from another process waits until Redis is back.
"""
from __future__ import annotations

import asyncio
import logging
import pickle
from typing import Optional

from socketio import AsyncRedisManager
from socketio.asyncio_manager import AsyncManager

from bot.runtime.circuit import Circuit

logger = logging.getLogger(__name__)

CHANNEL = "export-help-socketio"


class LocalFirstRedisManager(AsyncRedisManager):
    def __init__(self, url: str, channel: str = CHANNEL, publish_timeout: float = 1.0) -> None:
        super().__init__(url, channel=channel, write_only=False, logger=logger,
                         redis_options={"socket_connect_timeout": 1})
        # Publishing gets a connection of its own with short timeouts (the subscriber's
        # connection blocks while it waits for messages, so it cannot have them).
        from redis import asyncio as aioredis

        self._publisher = aioredis.Redis.from_url(
            url, socket_timeout=publish_timeout, socket_connect_timeout=publish_timeout)
        self.publish_timeout = publish_timeout
        self.circuit = Circuit("Redis (socket.io delivery)")

    async def emit(self, event, data, namespace=None, room=None, skip_sid=None,
                   callback=None, **kwargs):
        if kwargs.get("ignore_queue") or callback is not None:
            # Callbacks need the round trip through Redis (none of ours uses them).
            return await super().emit(event, data, namespace=namespace, room=room,
                                      skip_sid=skip_sid, callback=callback, **kwargs)
        namespace = namespace or "/"
        await AsyncManager.emit(self, event, data, namespace=namespace, room=room,
                                skip_sid=skip_sid)
        if room is not None and self._only_local(namespace, room):
            return  # a socket.io session id: that socket is here, nobody else has it
        await self._publish({"method": "emit", "event": event, "data": data,
                             "namespace": namespace, "room": room, "skip_sid": skip_sid,
                             "callback": None, "host_id": self.host_id})

    def _only_local(self, namespace: str, room: str) -> bool:
        # Each socket is alone in a room named after its own sid.
        return room in self.rooms.get(namespace, {}) and room in self.rooms[namespace].get(room, {})

    async def _publish(self, data) -> Optional[int]:
        if not self.circuit.usable():
            return None
        try:
            result = await asyncio.wait_for(
                self._publisher.publish(self.channel, pickle.dumps(data)),
                self.publish_timeout + 0.5)
            self.circuit.ok()
            return result
        except Exception as error:  # noqa: BLE001 - Redis down or slow: local delivery stands
            self.circuit.failed(error)
            return None

    async def _listen(self):
        """Messages published by the other processes; waits and resubscribes while Redis
        is down (python-socketio's own loop would spin when subscribing fails)."""
        channel = self.channel.encode("utf-8")
        retry = 1.0
        while True:
            try:
                await self.pubsub.subscribe(self.channel)
                retry = 1.0
                async for message in self.pubsub.listen():
                    if message.get("channel") == channel and message.get("type") == "message":
                        yield message.get("data")
            except asyncio.CancelledError:
                raise
            except Exception as error:  # noqa: BLE001 - Redis down: wait, then again
                self.circuit.failed(error)
                await asyncio.sleep(retry)
                retry = min(retry * 2, 30.0)
                self._redis_connect()

    async def _handle_emit(self, message):
        if message.get("host_id") == self.host_id:
            return  # delivered locally when it was emitted
        await super()._handle_emit(message)


def client_manager(redis_url: str) -> Optional[LocalFirstRedisManager]:
    """The manager for the socket.io server: with Redis, shared across processes."""
    if not redis_url:
        return None
    return LocalFirstRedisManager(redis_url)
