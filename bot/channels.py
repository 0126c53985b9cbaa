"""The two customer channels, with the checks of bot/inbound.py in front of Rasa's own.

- GuardedRestInput: POST /webhooks/rest/webhook, as Rasa's REST channel, but a broken
  body gets a 400 that says what is wrong, a long message or a flood a polite answer,
  and a failure inside Rasa (a database or Redis down) a polite 503 instead of `[]`.
- GuardedSocketIOInput: Rasa's socket.io channel (the widget), but a conversation id
  must be long and random, a socket may only write into the conversation it asked for,
  and the same length and rate checks apply.

credentials.yml names these classes.
"""
from __future__ import annotations

import json
import logging
import uuid
from typing import Any, Awaitable, Callable, Dict, Optional, Text, Tuple

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request

from bot.inbound import (
    is_too_long,
    message_problem,
    metadata_problem,
    polite,
    request_problem,
    sender_problem,
)
from bot.rate_limit import RateLimiter, client_address
from bot.settings import Settings, settings

logger = logging.getLogger(__name__)
OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


class _Guard:
    """What both channels check before a message reaches the assistant."""

    def __init__(self, config: Optional[Settings] = None) -> None:
        self.config = config or settings()
        self.limiter = RateLimiter(self.config.redis_url)

    def refusal(
        self, sender: str, text: str, address: Optional[str]
    ) -> Optional[Tuple[int, str]]:
        """(HTTP status, polite answer) instead of processing the message, or None."""
        limits = {f"sender:{sender}": self.config.rate_limit_per_sender}
        if address:
            limits[f"address:{address}"] = self.config.rate_limit_per_address
        if not self.limiter.allows(limits):
            return 429, polite("too_fast", text)
        if is_too_long(text, self.config.max_message_chars):
            return 200, polite("too_long", text, limit=self.config.max_message_chars)
        return None


class GuardedRestInput(RestInput):
    @classmethod
    def name(cls) -> Text:
        return "rest"

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        guard = _Guard()
        webhook = Blueprint("guarded_rest_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request):
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request):
            try:
                body = json.loads(request.body or b"")
            except (ValueError, UnicodeDecodeError):
                return response.json({"error": "the body must be JSON"}, status=400)
            problem = request_problem(body)
            if problem:
                return response.json({"error": problem}, status=400)
            sender, text = body["sender"], body["message"]
            address = client_address(request.ip, request.headers.get("x-real-ip"))
            refusal = guard.refusal(sender, text, address)
            if refusal:
                status, answer = refusal
                return response.json([{"recipient_id": sender, "text": answer}], status=status)
            collector = CollectingOutputChannel()
            try:
                await on_new_message(UserMessage(
                    text, collector, sender, input_channel="rest", metadata=body.get("metadata"),
                ))
            except Exception:  # noqa: BLE001 - the customer gets an answer whatever broke
                logger.exception("REST message from %s could not be handled", sender)
                return response.json(
                    collector.messages + [{"recipient_id": sender,
                                           "text": polite("unavailable", text)}],
                    status=503,
                )
            return response.json(collector.messages)

        return webhook


class GuardedSocketIOInput(SocketIOInput):
    @classmethod
    def name(cls) -> Text:
        return "socketio"

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        guard = _Guard()
        webhook = super().blueprint(on_new_message)
        sio = self.sio
        # Which conversation each connected socket asked for: it may write only there.
        session_of: Dict[str, str] = {}

        async def session_request(sid: Text, data: Any) -> None:
            requested = data.get("session_id") if isinstance(data, dict) else None
            if sender_problem(requested):
                requested = uuid.uuid4().hex  # a fresh, unguessable conversation
            session_of[sid] = requested
            sio.enter_room(sid, requested)
            await sio.emit("session_confirm", requested, room=sid)

        async def disconnect(sid: Text) -> None:
            session_of.pop(sid, None)

        async def handle_message(sid: Text, data: Any) -> None:
            output = SocketIOOutput(sio, self.bot_message_evt)
            if not isinstance(data, dict):
                return
            sender = data.get("session_id")
            if sender != session_of.get(sid):
                logger.warning("socket %s wrote into a conversation it did not ask for", sid)
                return
            text, metadata = data.get("message", ""), data.get(self.metadata_key) or {}
            if isinstance(metadata, str):
                try:
                    metadata = json.loads(metadata)
                except ValueError:
                    metadata = {}
            if message_problem(text) or metadata_problem(metadata):
                return
            environ = sio.get_environ(sid) or {}
            address = client_address(environ.get("REMOTE_ADDR"), environ.get("HTTP_X_REAL_IP"))
            refusal = guard.refusal(sender, text, address)
            if refusal:
                await output.send_text_message(sender, refusal[1])
                return
            try:
                await on_new_message(UserMessage(
                    text, output, sender, input_channel=self.name(), metadata=metadata,
                ))
            except Exception:  # noqa: BLE001
                logger.exception("socket.io message from %s could not be handled", sender)
                await output.send_text_message(sender, polite("unavailable", text))

        sio.on("session_request", session_request, namespace=self.namespace)
        sio.on("disconnect", disconnect, namespace=self.namespace)
        sio.on(self.user_message_evt, handle_message, namespace=self.namespace)
        return webhook
