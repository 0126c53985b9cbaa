"""The pages server closes a connection that trickles its headers (issue 14 item 9): one
header line every half second, with a 2 s deadline, is cut off within a few seconds,
where waitress alone keeps it open as long as lines keep coming."""
import socket
import threading
import time

import pytest

from bot.ops.slow_clients import create_server

DEADLINE = 2
LINE_EVERY = 0.5
GIVE_UP = 8  # seconds: a connection still open by then was never going to be closed


def hello(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"hello"]


@pytest.fixture
def server():
    made = create_server(hello, DEADLINE, host="127.0.0.1", port=0, threads=2)
    thread = threading.Thread(target=made.run, daemon=True)
    thread.start()
    yield made
    made.close()
    made.task_dispatcher.shutdown()


def seconds_until_closed(port: int) -> float:
    """Sends one header line every LINE_EVERY s until the server closes the connection."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=LINE_EVERY) as connection:
        connection.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
        while time.monotonic() - started < GIVE_UP:
            try:
                if connection.recv(1024) == b"":
                    return time.monotonic() - started
            except socket.timeout:
                pass
            try:
                connection.sendall(b"X-Slow: 1\r\n")
            except OSError:
                return time.monotonic() - started
    return float("inf")


def test_a_trickling_client_is_closed_by_the_deadline(server):
    closed_after = seconds_until_closed(server.effective_port)
    assert DEADLINE <= closed_after <= DEADLINE + 2, closed_after


def test_a_whole_request_is_answered(server):
    with socket.create_connection(("127.0.0.1", server.effective_port), timeout=5) as connection:
        connection.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        answer = b""
        while chunk := connection.recv(4096):
            answer += chunk
        assert answer.startswith(b"HTTP/1.1 200") and answer.endswith(b"hello")
