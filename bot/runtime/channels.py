"""The two customer channels, with the checks of bot/runtime/inbound.py in front of Rasa's own.

- GuardedRestInput: POST /webhooks/rest/webhook, as Rasa's REST channel, but a broken
  body gets a 400 that says what is wrong, a long message or a flood a polite answer,
  and a failure inside Rasa (a database or Redis down) a polite 503 instead of `[]`.
  The body must be sent as application/json (415 otherwise: a foreign page's text/plain
  post needs no CORS preflight).
- GuardedSocketIOInput: Rasa's socket.io channel (the widget), but a connection from a
  page not in ALLOWED_ORIGINS is refused, a conversation id must be long and random, a
  socket is in one conversation at a time, may only write into the conversation it asked
  for (never, without asking, into Rasa's shared "default"), may ask at most
  MAX_SESSION_REQUESTS times, and the same length and rate checks apply; a refused
  message gets a ``request_refused`` event saying why.

Both count a message against the address of its sender: the connection's peer, or the
X-Real-IP header only when the peer is one of TRUSTED_PROXIES (bot/client_address.py).

Live handoff (bot/handoff/): an agent's message is a bot event with ``agent`` in its
metadata, appended through Rasa's HTTP API; ``HandoffSocketIOOutput`` sends it to the
widget as a ``bot_uttered`` with ``agent: {name}`` so the widget shows it as from a
person.  With REDIS_URL the socket.io server's client manager shares emits between Rasa
processes (bot/runtime/socket_manager.py), so the message reaches the customer's socket
whichever process took the API call.  The widget is told whether a person has the chat
(``handoff_status``) when it connects, with the agent's messages it may have missed, when
the assistant has just handed the chat to a person, and when a message of the customer gets
no answer because the assistant is paused.

credentials.yml names these classes.
"""
from __future__ import annotations

import asyncio
import json
import logging
import uuid
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text, Tuple

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request

from bot.client_address import client_address
from bot.handoff.flood import CLIENT_KEY, client_key
from bot.runtime.socket_manager import client_manager
from bot.runtime.inbound import (
    MAX_JSON_DEPTH,
    is_json,
    is_too_long,
    message_problem,
    metadata_problem,
    origin_allowed,
    polite,
    request_problem,
    sender_problem,
)
from bot.runtime.rate_limit import RateLimiter
from bot.settings import Settings, settings

logger = logging.getLogger(__name__)
OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


class _Guard:
    """What both channels check before a message reaches the assistant."""

    def __init__(self, config: Optional[Settings] = None) -> None:
        self.config = config or settings()
        self.limiter = RateLimiter(self.config.redis_url)

    def address(self, peer: Optional[str], real_ip: Optional[str]) -> str:
        """The customer's address for the limits: the proxy's X-Real-IP only when the
        peer is a proxy of TRUSTED_PROXIES (issue 14, item 7), never any loopback peer."""
        return client_address(peer, real_ip, self.config.trusted_proxies)

    def metadata_with_client(self, metadata: Any, address: str) -> Dict[str, Any]:
        """The message's metadata with the key of the customer's address, for the
        escalation limits (bot/handoff/flood.py); whatever the body said under that
        name is replaced."""
        metadata = dict(metadata) if isinstance(metadata, dict) else {}
        metadata[CLIENT_KEY] = client_key(address, self.config.action_server_token)
        return metadata

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
            if not is_json(request.headers.get("content-type")):
                # A page elsewhere could post text/plain without asking first (no CORS
                # preflight); application/json it can only send if CORS allows it.
                return response.json({"error": "the body must be sent as application/json"}, status=415)
            try:
                body = json.loads(request.body or b"")
            except (ValueError, UnicodeDecodeError):
                return response.json({"error": "the body must be JSON"}, status=400)
            except RecursionError:  # nested ~1,000 deep: the parser's own limit
                return response.json({"error": "the body must be JSON nested at most "
                                               f"{MAX_JSON_DEPTH} levels deep"}, status=400)
            problem = request_problem(body)
            if problem:
                return response.json({"error": problem}, status=400)
            sender, text = body["sender"], body["message"]
            address = guard.address(request.ip, request.headers.get("x-real-ip"))
            refusal = guard.refusal(sender, text, address)
            if refusal:
                status, answer = refusal
                return response.json([{"recipient_id": sender, "text": answer}], status=status)
            collector = CollectingOutputChannel()
            try:
                await on_new_message(UserMessage(
                    text, collector, sender, input_channel="rest",
                    metadata=guard.metadata_with_client(body.get("metadata"), address),
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


# The assistant's answers when a conversation goes to (or stays with) a person
# (actions/escalation.py): the widget's header must change with them, not at the next turn.
HANDOFF_RESPONSES = frozenset({"utter_handoff_waiting", "utter_already_escalated"})


class HandoffSocketIOOutput(SocketIOOutput):
    """Rasa's socket.io output; a message of a person (``agent`` in the bot event's
    metadata) goes out whole, marked with the agent's first name and an id."""

    def __init__(self, sio, bot_message_evt: Text) -> None:
        super().__init__(sio, bot_message_evt)
        self.sent = 0
        self.handoff_changed = False

    async def _send_message(self, socket_id: Text, response: Any) -> None:
        self.sent += 1
        await super()._send_message(socket_id, response)

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        if message.get("utter_action") in HANDOFF_RESPONSES:
            self.handoff_changed = True
        if message.get("agent") and message.get("text"):
            await self._send_message(recipient_id, agent_payload(message))
            return
        await super().send_response(recipient_id, message)


def agent_payload(message: Dict[Text, Any]) -> Dict[Text, Any]:
    """What the widget gets for a person's message (stored bot event or its message())."""
    timestamp = message.get("timestamp")
    payload: Dict[Text, Any] = {
        "text": message.get("text"),
        "agent": {"name": str(message.get("agent"))[:64]},
        "id": f"agent-{timestamp}" if timestamp else f"agent-{uuid.uuid4().hex}",
    }
    if message.get("handoff"):
        payload["handoff"] = message["handoff"]
    return payload


class _HandoffLookup:
    """The conversation's live-handoff state for the widget, read from the databases in a
    worker thread (never on the event loop); None when they cannot be read."""

    def __init__(self, config: Settings) -> None:
        self.config = config

    def _status(self, conversation_id: str, with_messages: bool) -> Dict[str, Any]:
        from bot.handoff.inbox import live_status
        from bot.storage.unit_of_work import UnitOfWork

        status = live_status(UnitOfWork.for_database(self.config.database_url), conversation_id)
        if with_messages and status["state"] == "agent" and status.get("since"):
            status["messages"] = self._agent_messages(conversation_id, status["since"])
        status.pop("since", None)
        return status

    def _agent_messages(self, conversation_id: str, since: float) -> List[Dict[str, Any]]:
        from bot.storage.database import shared_engine
        from bot.storage.events import EventRepository

        messages = []
        tracker = shared_engine(self.config.tracker_store_url)
        for event in EventRepository(tracker).bot_events_since(conversation_id, since - 1):
            metadata = event.get("metadata") or {}
            if isinstance(metadata, dict) and metadata.get("agent"):
                messages.append(agent_payload({**event, **metadata}))
        return messages

    async def status(self, conversation_id: str, with_messages: bool = False) -> Optional[Dict[str, Any]]:
        try:
            return await asyncio.get_running_loop().run_in_executor(
                None, self._status, conversation_id, with_messages)
        except Exception:  # noqa: BLE001 - the chat works without the person's name
            logger.warning("handoff status of %s not available", conversation_id, exc_info=True)
            return None


def quiet_when_closed(handle_request: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    """engine.io's Sanic handler, marked as a websocket handler.

    Once a websocket it took over closes, engine.io's handler returns None (everything
    went over the socket); Sanic takes None only from handlers marked ``is_websocket``
    (as its own websocket routes are) and logged every other one as an ERROR with a
    traceback: one per closed chat, 221 in 15 minutes of the probe (issue 14, item 9).
    HTTP long-polling requests get their responses as before."""

    async def handle(*args: Any, **kwargs: Any) -> Any:
        return await handle_request(*args, **kwargs)

    handle.is_websocket = True  # type: ignore[attr-defined]
    return handle


# What a socket is told when its request is refused: {"reason": ..., "error": words}.
REFUSED_EVENT = "request_refused"
# Session requests one socket may make: the widget makes one per connection, and one more
# when two tabs start a conversation at the same moment.
MAX_SESSION_REQUESTS = 5


class GuardedSocketIOInput(SocketIOInput):
    @classmethod
    def name(cls) -> Text:
        return "socketio"

    def get_output_channel(self) -> Optional[HandoffSocketIOOutput]:
        if self.sio is None:
            return None
        return HandoffSocketIOOutput(self.sio, self.bot_message_evt)

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        guard = _Guard()
        webhook = super().blueprint(on_new_message)
        sio = self.sio
        sio.eio.handle_request = quiet_when_closed(sio.eio.handle_request)
        manager = client_manager(guard.config.redis_url)
        if manager is not None:
            # Emits reach the customer's socket whichever Rasa process holds it.
            sio.manager = manager
            manager.set_server(sio)
            sio.manager_initialized = False
        handoff = _HandoffLookup(guard.config)
        # Which conversation each connected socket asked for: it may write only there.
        session_of: Dict[str, str] = {}
        # How many session requests each connected socket made (at most
        # MAX_SESSION_REQUESTS: one socket joined 300 conversations in 0.5 s).
        requests_of: Dict[str, int] = {}

        async def refuse(sid: Text, reason: str, error: str) -> None:
            """Tells the socket why its request was not taken (nothing else happens)."""
            await sio.emit(REFUSED_EVENT, {"reason": reason, "error": error}, room=sid)

        async def session_request(sid: Text, data: Any) -> None:
            requests_of[sid] = requests_of.get(sid, 0) + 1
            if requests_of[sid] > MAX_SESSION_REQUESTS:
                logger.warning("socket %s asked for too many conversations", sid)
                await refuse(sid, "too_many_sessions",
                             f"at most {MAX_SESSION_REQUESTS} session requests per connection")
                await sio.disconnect(sid)
                return
            requested = data.get("session_id") if isinstance(data, dict) else None
            if sender_problem(requested):
                requested = uuid.uuid4().hex  # a fresh, unguessable conversation
            previous = session_of.get(sid)
            if previous is not None and previous != requested:
                sio.leave_room(sid, previous)  # one conversation per socket
            session_of[sid] = requested
            sio.enter_room(sid, requested)
            await sio.emit("session_confirm", requested, room=sid)
            # Back after a reload or in a new tab: is a person (still) there?
            status = await handoff.status(requested, with_messages=True)
            if status and status["state"] != "assistant":
                await sio.emit("handoff_status", status, room=sid)

        async def disconnect(sid: Text) -> None:
            session_of.pop(sid, None)
            requests_of.pop(sid, None)

        async def handle_message(sid: Text, data: Any) -> None:
            output = HandoffSocketIOOutput(sio, self.bot_message_evt)
            if not isinstance(data, dict):
                await refuse(sid, "bad_message", "a message must be an object")
                return
            sender = data.get("session_id")
            if sid not in session_of:
                # Rasa would file it under the conversation "default", shared by all.
                await refuse(sid, "no_session", "send session_request before any message")
                return
            if sender != session_of[sid]:
                logger.warning("socket %s wrote into a conversation it did not ask for", sid)
                await refuse(sid, "wrong_session", "write only into the session confirmed")
                return
            text, metadata = data.get("message", ""), data.get(self.metadata_key) or {}
            if isinstance(metadata, str):
                try:
                    metadata = json.loads(metadata)
                except (ValueError, RecursionError):
                    metadata = {}
            problem = message_problem(text) or metadata_problem(metadata)
            if problem:
                await refuse(sid, "bad_message", problem)
                return
            environ = sio.get_environ(sid) or {}
            address = guard.address(environ.get("REMOTE_ADDR"), environ.get("HTTP_X_REAL_IP"))
            refusal = guard.refusal(sender, text, address)
            if refusal:
                await output.send_text_message(sender, refusal[1])
                return
            try:
                await on_new_message(UserMessage(
                    text, output, sender, input_channel=self.name(),
                    metadata=guard.metadata_with_client(metadata, address),
                ))
            except Exception:  # noqa: BLE001
                logger.exception("socket.io message from %s could not be handled", sender)
                await output.send_text_message(sender, polite("unavailable", text))
                return
            if not output.sent or output.handoff_changed:
                # No answer: the assistant is paused while a person has (or gets) the chat;
                # or it has just handed the chat over: "Waiting for a person…" at once.
                status = await handoff.status(sender)
                if status:
                    await sio.emit("handoff_status", status, room=sid)

        rasa_connect = sio.handlers[self.namespace or "/"]["connect"]

        async def connect(sid: Text, environ: Dict, auth: Optional[Dict] = None) -> bool:
            # Browsers send no CORS preflight for websockets: a page elsewhere would open
            # one in its visitors' name.  Clients that are not browsers send no Origin.
            origin = environ.get("HTTP_ORIGIN")
            if origin and not origin_allowed(origin, guard.config.allowed_origins):
                logger.warning("socket.io connection from a page of %r refused (ALLOWED_ORIGINS)", origin[:100])
                return False
            return await rasa_connect(sid, environ, auth)

        sio.on("connect", connect, namespace=self.namespace)
        sio.on("session_request", session_request, namespace=self.namespace)
        sio.on("disconnect", disconnect, namespace=self.namespace)
        sio.on(self.user_message_evt, handle_message, namespace=self.namespace)
        return webhook
