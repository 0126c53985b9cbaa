"""The pages server's bound on slow clients (issue 14 item 9).

waitress closes a connection after ``channel_timeout`` seconds *without activity*, so a
client sending one header line every 5 s kept its connection (and a slot of the
server's connection limit) open for as long as it liked: over 100 s in the probe.  Here
a request must arrive whole, headers and body, within ``request_seconds`` of its first
byte: while a request is only partly read, the connection's last activity stays at that
first byte, and waitress's own clean-up closes it ``request_seconds`` later (checked
every ``cleanup_interval`` seconds).  A connection idle between requests is closed after
the same time.
"""
from __future__ import annotations

import time
from typing import Optional

import waitress
from waitress.channel import HTTPChannel


class RequestDeadlineChannel(HTTPChannel):
    """A waitress channel whose partly read request does not count as activity."""

    request_started: Optional[float] = None

    def handle_read(self) -> None:
        started = self.request_started if self.request is not None else time.time()
        super().handle_read()
        if self.request is not None:  # still waiting for the rest of a request
            self.request_started = started
            self.last_activity = started
        else:
            self.request_started = None


def create_server(app, request_seconds: int, **options):
    """A waitress server (not yet running) for ``app`` with the deadline above; ``options``
    are waitress's (host and port, or sockets already bound)."""
    server = waitress.create_server(
        app, channel_timeout=request_seconds,
        cleanup_interval=max(1, min(5, request_seconds // 4)), **options,
    )
    server.channel_class = RequestDeadlineChannel
    return server
