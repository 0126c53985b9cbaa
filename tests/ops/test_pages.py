"""The pages process still serves web/ exactly as before, beside the console."""
from pathlib import Path

import pytest

from bot.ops.pages import WEB_ROOT


@pytest.fixture
def client(console):
    return console.client


@pytest.mark.parametrize("url,path", [
    ("/demo/demo.css", "demo/demo.css"),
    ("/widget/export-help-chat.js", "widget/export-help-chat.js"),
    ("/widget/export-help-chat.css", "widget/export-help-chat.css"),
    ("/vendor/socket.io-4.8.4/socket.io.min.js", "vendor/socket.io-4.8.4/socket.io.min.js"),
])
def test_static_files(client, url, path):
    response = client.get(url)
    assert response.status_code == 200
    assert response.data == (WEB_ROOT / path).read_bytes()


@pytest.mark.parametrize("url", ["/", "/demo/index.html"])
def test_the_demo_page_carries_the_banks_name(client, url):
    page = client.get(url).get_data(as_text=True)
    assert "<title>Card transactions – Nordea Business (demo)</title>" in page
    assert "{{" not in page and "Northbank" not in page


def test_another_banks_name_is_escaped_on_the_demo_page():
    from bot.ops.pages import demo_page_html
    from bot.settings import settings

    page = demo_page_html(settings({"BANK_NAME": 'Exempel & <Bank>"'}))
    assert "Exempel &amp; &lt;Bank&gt;&#34; Business" in page and "Nordea" not in page
    assert '<span class="logo" aria-hidden="true">E</span>' in page


def test_content_types(client):
    assert client.get("/").mimetype == "text/html"
    assert client.get("/widget/export-help-chat.js").mimetype in ("text/javascript", "application/javascript")
    assert client.get("/widget/export-help-chat.css").mimetype == "text/css"


@pytest.mark.parametrize("url", [
    "/nothing.js", "/widget/", "/../bot/settings.py", "/%2e%2e/bot/settings.py",
    "/widget/../../README.md", "/console/console.css",
])
def test_nothing_else(client, url):
    assert client.get(url).status_code == 404


def test_health(client):
    assert client.get("/health").json == {"status": "ok"}


def test_no_session_cookie_outside_the_console(console):
    console.sign_in("anna")
    assert "Set-Cookie" not in console.get("/").headers


def test_the_project_root_is_where_web_is():
    assert (Path(WEB_ROOT) / "demo" / "index.html").exists()


# -- issue 14 item 9: headers, and the chat servers ?server= may name

@pytest.mark.parametrize("url", ["/", "/widget/export-help-chat.js", "/demo/demo.js", "/health"])
def test_the_pages_cannot_be_framed_or_sniffed(client, url):
    headers = client.get(url).headers
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    policy = headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy and "script-src 'self';" in policy


def test_the_demo_page_has_no_inline_script():
    page = (WEB_ROOT / "demo" / "index.html").read_text()
    assert "<script>" not in page and "onclick" not in page


def test_the_page_connects_only_to_its_own_chat_servers(client):
    policy = client.get("/", base_url="http://bank.example:8080").headers["Content-Security-Policy"]
    connect = policy.split("connect-src ")[1].split(";")[0].split()
    assert connect == ["'self'", "http://bank.example:8080", "ws://bank.example:8080",
                       "http://bank.example:5005", "ws://bank.example:5005",
                       "https://bank.example:5005", "wss://bank.example:5005"]


@pytest.mark.parametrize("server,status", [
    ("http://localhost:5005", 200),
    ("https://localhost:5005/", 200),
    ("http://localhost", 200),  # the page's own origin
    ("http://evil.example:5005", 400),
    ("http://localhost:6666", 400),
    ("javascript:alert(1)", 400),
    ("http://localhost:5005@evil.example", 400),
    ("", 400),
])
def test_server_may_name_only_an_allowed_chat_server(client, server, status):
    response = client.get("/", query_string={"server": server})
    assert response.status_code == status, server


def test_the_allowed_servers_are_a_setting(sqlite_databases):
    from tests.support.console import make_console

    client = make_console(sqlite_databases, WIDGET_SERVERS="https://chat.bank.example").client
    assert client.get("/?server=https://chat.bank.example").status_code == 200
    assert client.get("/?server=http://localhost:5005").status_code == 400
    assert "wss://chat.bank.example" in client.get("/").headers["Content-Security-Policy"]
