"""The read deadline of a request (bot/runtime/slow_clients.py); a real slow client
against the real servers is in tests/system/probe/test_rasa_side.py."""
from types import SimpleNamespace

from sanic.http import Stage

from bot.runtime.slow_clients import _DEADLINE, enforce, overdue


def connection(stage, deadline, request_body=None, websocket=False):
    http = SimpleNamespace(stage=stage, request_body=request_body, upgrade_websocket=websocket)
    return SimpleNamespace(_http=http, conn_info=SimpleNamespace(ctx=SimpleNamespace(**{_DEADLINE: deadline})))


def test_headers_still_coming_after_the_deadline_are_overdue():
    assert overdue(connection(Stage.REQUEST, 10.0), 10.5)
    assert not overdue(connection(Stage.REQUEST, 10.0), 9.5)


def test_a_body_still_coming_is_overdue_a_running_handler_is_not():
    assert overdue(connection(Stage.HANDLER, 10.0, request_body=True), 11)
    assert not overdue(connection(Stage.HANDLER, 10.0, request_body=None), 11)
    assert not overdue(connection(Stage.RESPONSE, 10.0), 11)


def test_idle_connections_and_websockets_are_left_to_sanic():
    assert not overdue(connection(Stage.IDLE, 10.0), 11)
    assert not overdue(connection(Stage.HANDLER, 10.0, request_body=True, websocket=True), 11)
    assert not overdue(SimpleNamespace(), 11)


def test_at_the_deadline_an_unfinished_request_is_closed_with_a_408():
    cancelled = []
    protocol = connection(Stage.REQUEST, 0.0)
    protocol._task = SimpleNamespace(cancel=lambda: cancelled.append(True))
    enforce(protocol)
    assert cancelled and protocol._http.exception.status_code == 408
