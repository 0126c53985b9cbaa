"""Ports for the assistants and servers the tests start."""
from __future__ import annotations

import socket


def free_port(preferred: int) -> int:
    """The preferred port, or any free one while another test run holds it."""
    for candidate in (preferred, 0):
        with socket.socket() as probe:
            try:
                probe.bind(("", candidate))
            except OSError:
                continue
            return probe.getsockname()[1]
    raise RuntimeError("no free port")
