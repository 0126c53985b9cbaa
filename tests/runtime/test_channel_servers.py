"""Both customer channels on a real Sanic server, reached by real HTTP requests and a real
socket.io client (issue 14, items 6 and 7): who may talk to them and which address a
message counts against.  The assistant behind them is a stand-in that answers "ok"."""
from __future__ import annotations

import contextlib
import uuid

import aiohttp
import pytest
import socketio
from sanic import Sanic

from bot.runtime.channels import GuardedRestInput, GuardedSocketIOInput
from tests.support.ports import free_ports

PAGE = "http://localhost:8080"
FOREIGN = "http://evil.example"


@contextlib.asynccontextmanager
async def channels(monkeypatch, **env):
    """The two channels, as credentials.yml mounts them, on a port the OS chose; yields
    (base URL, the messages that reached the stand-in assistant)."""
    for name, value in {"PAGES_PORT": "8080", "REDIS_URL": "", "RATE_LIMIT_PER_ADDRESS": "3", **env}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("ALLOWED_ORIGINS", raising=False) if "ALLOWED_ORIGINS" not in env else None
    monkeypatch.delenv("TRUSTED_PROXIES", raising=False) if "TRUSTED_PROXIES" not in env else None
    monkeypatch.delenv("ASSISTANT_PROFILE", raising=False)
    received = []

    async def assistant(message):
        received.append(message)
        await message.output_channel.send_text_message(message.sender_id, "ok")

    # Test mode: Sanic 21.12 rewrites its own methods on start-up ("touchup"), which breaks
    # the second app of a process unless it keeps the originals.
    monkeypatch.setattr(Sanic, "test_mode", True)
    app = Sanic(f"channels-{uuid.uuid4().hex}")
    app.blueprint(GuardedRestInput().blueprint(assistant), url_prefix="/webhooks/rest")
    socket_channel = GuardedSocketIOInput(bot_message_evt="bot_uttered", user_message_evt="user_uttered",
                                          session_persistence=True)
    app.blueprint(socket_channel.blueprint(assistant))
    [port] = free_ports(1)
    server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True)
    await server.startup()
    try:
        yield f"http://127.0.0.1:{port}", received
    finally:
        server.close()
        await server.wait_closed()


def sender() -> str:
    return uuid.uuid4().hex


async def post(http, base, body, headers=None):
    async with http.post(f"{base}/webhooks/rest/webhook", data=body, headers=headers or {}) as response:
        return response.status, await response.json(content_type=None)


# -- item 6: a page elsewhere cannot talk to the assistant in its visitors' name

async def test_the_webhook_takes_only_json_sent_as_json(monkeypatch):
    async with channels(monkeypatch) as (base, received), aiohttp.ClientSession() as http:
        body = '{"sender": "%s", "message": "hi"}' % sender()
        for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data", None):
            status, answer = await post(http, base, body, {"Content-Type": content_type} if content_type else {})
            assert status == 415 and "application/json" in answer["error"], content_type
        assert received == []
        status, answer = await post(http, base, body, {"Content-Type": "application/json; charset=utf-8"})
        assert status == 200 and answer[0]["text"] == "ok" and len(received) == 1


async def connect(base, origin=None, headers=None):
    client = socketio.AsyncClient(reconnection=False)
    await client.connect(base, headers={**({"Origin": origin} if origin else {}), **(headers or {})},
                         socketio_path="socket.io", wait_timeout=5)
    return client


async def refused(base, origin) -> bool:
    """Whether the server refused the connection (not merely did not answer in time)."""
    client = socketio.AsyncClient(reconnection=False)
    errors = []
    client.on("connect_error", lambda data: errors.append(data))
    with pytest.raises(socketio.exceptions.ConnectionError):
        await client.connect(base, headers={"Origin": origin}, socketio_path="socket.io", wait_timeout=1)
    return bool(errors)


async def test_socketio_refuses_pages_that_are_not_allowed(monkeypatch):
    async with channels(monkeypatch) as (base, _):
        for foreign in (FOREIGN, "http://localhost:9999", "null", PAGE + ".evil.example"):
            assert await refused(base, foreign), foreign
        for allowed in (PAGE, "http://127.0.0.1:8080", None):  # the demo page; not a browser
            client = await connect(base, allowed)
            assert client.connected
            await client.disconnect()


async def test_socketio_allows_the_pages_the_bank_sets(monkeypatch):
    async with channels(monkeypatch, ALLOWED_ORIGINS="https://bank.example, https://www.bank.example/") as (base, _):
        client = await connect(base, "https://www.bank.example")
        await client.disconnect()
        assert await refused(base, PAGE)


# -- item 7: X-Real-IP names the client only when a trusted proxy sends it

async def test_a_client_cannot_choose_its_own_rate_limit_bucket(monkeypatch):
    async with channels(monkeypatch) as (base, received), aiohttp.ClientSession() as http:
        statuses = []
        for number in range(4):
            body = '{"sender": "%s", "message": "hi"}' % sender()
            headers = {"Content-Type": "application/json", "X-Real-IP": f"203.0.113.{number + 1}"}
            statuses.append((await post(http, base, body, headers))[0])
        # Four conversations from one peer (loopback): the address limit of 3 holds.
        assert statuses == [200, 200, 200, 429] and len(received) == 3


async def test_the_proxys_header_names_the_client_when_the_proxy_is_trusted(monkeypatch):
    async with channels(monkeypatch, TRUSTED_PROXIES="127.0.0.1") as (base, _), aiohttp.ClientSession() as http:
        async def status(address):
            body = '{"sender": "%s", "message": "hi"}' % sender()
            return (await post(http, base, body, {"Content-Type": "application/json", "X-Real-IP": address}))[0]

        assert [await status(f"203.0.113.{n}") for n in range(1, 5)] == [200] * 4
        assert [await status("198.51.100.7") for _ in range(4)] == [200, 200, 200, 429]


async def test_socketio_counts_the_peer_not_the_header(monkeypatch):
    async with channels(monkeypatch) as (base, received):
        answers = []
        for number in range(4):
            client = await connect(base, PAGE, {"X-Real-IP": f"203.0.113.{number + 1}"})
            conversation = sender()
            got = []
            client.on("bot_uttered", lambda data, got=got: got.append(data))
            await client.emit("session_request", {"session_id": conversation})
            await client.sleep(0.3)
            await client.emit("user_uttered", {"session_id": conversation, "message": "hi"})
            for _ in range(50):
                if got:
                    break
                await client.sleep(0.1)
            answers.append(got[0]["text"] if got else None)
            await client.disconnect()
        assert answers[:3] == ["ok"] * 3 and answers[3] != "ok" and len(received) == 3
