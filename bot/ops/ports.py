"""Ports for the servers the tests and the bench start: chosen by the OS when a server
starts, never fixed.

Two test runs on one machine (or a test run or `make bench` beside `make run`) must never
meet on a port, so nothing but the launcher's defaults names a port number or chooses one
at import time: a test's fixture (tests/support/) or the bench (bot/ops/bench_deployments.py)
asks for ports here just before it starts the server.
"""
from __future__ import annotations

import socket
import warnings
from contextlib import ExitStack, contextmanager
from typing import Callable, Iterator, List, TypeVar

T = TypeVar("T")

# How often to look for a run of consecutive free ports before giving up.
RUN_ATTEMPTS = 50


def _bound(stack: ExitStack, port: int) -> socket.socket:
    """A socket bound to 127.0.0.1:port (0: a port the OS chooses), closed with the stack."""
    probe = stack.enter_context(socket.socket())
    probe.bind(("127.0.0.1", port))
    return probe


def free_ports(count: int) -> List[int]:
    """``count`` different ports on 127.0.0.1 that the OS has just chosen as free.

    They are held together while chosen (so they differ) and released together on return:
    bind them right away.  Between that release and the server's bind another program can
    still take one (see start_on_free_ports)."""
    with ExitStack() as stack:
        return [_bound(stack, 0).getsockname()[1] for _ in range(count)]


@contextmanager
def refused_port() -> Iterator[int]:
    """A port on 127.0.0.1 that refuses connections for certain while the block runs: it is
    bound here and never listens.  (A port merely believed unused may be in use.)"""
    with ExitStack() as stack:
        yield _bound(stack, 0).getsockname()[1]


def free_port_runs(*lengths: int) -> List[List[int]]:
    """Runs of consecutive free ports on 127.0.0.1, one run per length, all different.

    For servers that listen on the ports after a given one: the production profile puts
    its Rasa processes on the ports after RASA_PORT and the action server on the one
    after ACTION_PORT (bot/ops/launcher.py), so a test passes the first port and the
    next ones have to be free too.  The OS chooses each run's first port; the ones after
    it are bound too, to prove them free, and if one is not, the OS chooses again.  As
    free_ports: everything is released on return, bind right away."""
    with ExitStack() as stack:
        return [_free_run(stack, length) for length in lengths]


def _free_run(stack: ExitStack, length: int) -> List[int]:
    for _ in range(RUN_ATTEMPTS):
        with ExitStack() as attempt:
            first = _bound(attempt, 0).getsockname()[1]
            try:
                for port in range(first + 1, first + length):
                    _bound(attempt, port)
            except (OSError, OverflowError):
                continue  # taken, or past 65535: another first port
            stack.enter_context(attempt.pop_all())  # held until every run is chosen
            return list(range(first, first + length))
    raise RuntimeError(f"no {length} consecutive free ports in {RUN_ATTEMPTS} attempts")


def start_on_free_ports(choose: Callable[[], object], start: Callable[[object], T]) -> T:
    """``start(choose())``; if that fails, once more with ports chosen anew.

    Why once more: the ports are free when chosen, but the server is a child process that
    binds them seconds later (Rasa binds after importing itself), and in that window any
    program on the machine can take one, even as the local end of an outgoing connection
    (those come from the same range).  The start then fails (the process exits with
    "address already in use").  New ports make a second loss very unlikely, so a second
    failure is a real one and is raised.  ``start`` must clean up after itself when it
    fails (Assistant.start stops what it started)."""
    try:
        return start(choose())
    except Exception as problem:  # noqa: BLE001 - any failed start gets one more try
        # Shown in pytest's warnings summary: a retried start is not silent.
        warnings.warn(f"starting on free ports failed ({problem!r}); once more on new ports",
                      stacklevel=2)
        return start(choose())
