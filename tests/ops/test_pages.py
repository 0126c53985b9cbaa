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
