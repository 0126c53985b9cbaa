"""A request must arrive whole within a bound, however slowly its bytes trickle in.

Sanic 21.12 (Rasa's and rasa-sdk's server) restarts its request timeout at every packet,
so a client sending one header line every 5 s kept a connection open for as long as it
liked (over 100 s on both servers in the probe of issue 14, item 9): enough of them use
up the server's connections.  ``apply`` gives every request a deadline from its first
byte until its headers and body are read (``read_seconds``); past it, Sanic closes the
connection as it does on its own timeout (408).  A request that arrived keeps Sanic's
response and keep-alive timeouts; websockets, once upgraded, are not affected.

Called by bot/runtime/rasa_server.py and bot/ops/action_server.py before the server runs.
"""
from __future__ import annotations

from typing import Any, Optional

from sanic.exceptions import RequestTimeout
from sanic.http import Stage
from sanic.server.protocols.http_protocol import HttpProtocol
from sanic.server.protocols.base_protocol import current_time

_DEADLINE = "_read_deadline"


def _context(protocol: Any) -> Any:
    """The connection's own namespace (Sanic's protocol and Http objects have slots)."""
    conn_info = getattr(protocol, "conn_info", None)
    return getattr(conn_info, "ctx", None)


def overdue(protocol: Any, now: float) -> bool:
    """Whether the request this connection is reading has run past its deadline."""
    deadline: Optional[float] = getattr(_context(protocol), _DEADLINE, None)
    http = getattr(protocol, "_http", None)
    if deadline is None or now <= deadline or http is None or http.upgrade_websocket:
        return False
    # Headers still coming, or a body not yet read whole (``request_body`` is cleared
    # once it is): a handler that is running has Sanic's response timeout.
    return http.stage is Stage.REQUEST or (http.stage is Stage.HANDLER and bool(http.request_body))


def enforce(protocol: Any) -> None:
    """At a request's deadline: closes the connection as Sanic's own timeout does (408)
    if the request has still not arrived whole."""
    if getattr(protocol, "_task", None) and overdue(protocol, current_time()):
        protocol._http.exception = RequestTimeout("Request Timeout")
        protocol._task.cancel()


def apply(read_seconds: float) -> None:
    """Patches Sanic's HttpProtocol.data_received (Http's own methods are recompiled from
    source by Sanic's TouchUp and cannot be wrapped).  Sanic's periodic check runs only
    every half of its shortest timeout (Rasa's keep-alive is 120 s: once a minute), so
    each request gets a timer of its own at its deadline."""
    if getattr(HttpProtocol.data_received, "read_deadline", False):
        return
    data_received = HttpProtocol.data_received

    def receive(self: HttpProtocol, data: bytes) -> None:
        http, context = getattr(self, "_http", None), _context(self)
        if context is not None and (http is None or http.stage is Stage.IDLE):
            # The first bytes of a request (of the connection's first, before Sanic has
            # set the connection up): it has read_seconds to arrive whole.
            setattr(context, _DEADLINE, current_time() + read_seconds)
            self.loop.call_later(read_seconds + 0.05, enforce, self)
        data_received(self, data)

    receive.read_deadline = True
    HttpProtocol.data_received = receive
