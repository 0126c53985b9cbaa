"""Access control of every route: sessions, CSRF, roles, throttling, cookies, headers."""
import re

import pytest

from bot.console.shared import PUBLIC_ENDPOINTS
from tests.support import scenarios
from tests.support.console import PASSWORD

# The only routes of the pages process anyone may use without signing in.
PUBLIC = {"health", "demo_page", "web_file"} | PUBLIC_ENDPOINTS
DUMMY_ARGUMENTS = {"conversation_id": "conv-resolved-en-0001", "user_id": "1", "filename": "console.css",
                   "reply_id": "1"}


def urls_of(app):
    for rule in app.url_map.iter_rules():
        path = rule.rule
        for argument in rule.arguments:
            path = re.sub(rf"<(?:\w+:)?{argument}>", DUMMY_ARGUMENTS[argument], path)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, path


def refused(response):
    location = response.headers.get("Location", "")
    return response.status_code == 401 or (
        response.status_code == 302 and location.startswith("/console/login"))


def test_every_route_but_the_public_ones_needs_a_session(console):
    scenarios.seed(console.databases)
    checked = []
    for endpoint, method, url in urls_of(console.app):
        if endpoint in PUBLIC:
            continue
        assert url.startswith("/console/"), f"{endpoint} is outside /console"
        response = console.client.open(url, method=method)
        assert refused(response), f"{method} {url} answered {response.status_code} without a session"
        checked.append(endpoint)
    # The walk covers the whole url_map: a new route cannot escape it.
    assert len(checked) >= 17
    assert {"conversations.index", "conversations.api_conversations", "conversations.export_csv",
            "staff.users", "conversations.story", "conversations.add_tag"} <= set(checked)


def test_pages_redirect_to_sign_in_and_the_api_answers_401(console):
    page = console.get("/console/conversations?language=sv")
    assert page.status_code == 302
    assert page.headers["Location"] == "/console/login?next=/console/conversations?language%3Dsv"
    api = console.get("/console/api/conversations")
    assert api.status_code == 401 and api.json == {"error": "sign in first"}
    # The trainers' API is guarded by the same rule (bot/console/shared.py).
    trainer_api = console.get("/console/training/api/job")
    assert trainer_api.status_code == 401 and trainer_api.json == {"error": "sign in first"}
    assert console.get("/console/conversations.csv").status_code == 401
    assert console.client.post("/console/conversations/x/tags", data={"tag": "a"}).status_code == 401


def test_the_public_routes_are_exactly_these(console):
    endpoints = {endpoint for endpoint, _, _ in urls_of(console.app)}
    assert endpoints & PUBLIC == PUBLIC
    assert console.get("/console/login").status_code == 200
    assert console.get("/console/static/console.css").status_code == 200
    assert console.get("/health").json == {"status": "ok"}


def test_sign_in_and_out(console):
    response = console.sign_in("anna", next="/console/conversations?language=sv")
    assert response.status_code == 302
    assert response.headers["Location"] == "/console/conversations?language=sv"
    assert console.get("/console/conversations").status_code == 200
    assert console.post("/console/logout").status_code == 302
    assert console.get("/console/conversations").status_code == 302


@pytest.mark.parametrize("target", [
    "https://evil.example/", "//evil.example/console/", "/elsewhere", "javascript:alert(1)",
])
def test_sign_in_never_redirects_elsewhere(console, target):
    response = console.sign_in("anna", next=target)
    assert response.headers["Location"] == "/console/conversations"


def test_wrong_password_and_unknown_user_look_the_same(console):
    wrong = console.sign_in("anna", "wrong password here")
    unknown = console.sign_in("nobody", "wrong password here")
    assert wrong.status_code == unknown.status_code == 401
    assert "Wrong user name or password." in wrong.get_data(as_text=True)
    assert "Wrong user name or password." in unknown.get_data(as_text=True)


def test_password_guessing_is_throttled(console):
    for _ in range(5):
        assert console.sign_in("anna", "guess guess guess").status_code == 401
    blocked = console.sign_in("anna", PASSWORD)
    assert blocked.status_code == 429
    assert "Too many failed attempts" in blocked.get_data(as_text=True)
    # Others can still sign in.
    assert console.new_client().sign_in("tove").status_code == 302


def test_session_cookie_flags(console):
    response = console.sign_in("anna")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/console" in cookie
    assert "Secure" not in cookie


def test_secure_cookies_when_configured(sqlite_databases):
    from tests.support.console import make_console

    secured = make_console(sqlite_databases, CONSOLE_SECURE_COOKIES="1")
    assert "Secure" in secured.sign_in("anna").headers["Set-Cookie"]


def test_security_headers(console):
    console.sign_in("anna")
    headers = console.get("/console/conversations").headers
    assert headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["Cache-Control"] == "no-store"


# -- CSRF

def test_sign_in_needs_the_forms_csrf_token(console):
    console.get("/console/login")
    response = console.client.post("/console/login", data={"username": "anna", "password": PASSWORD})
    assert response.status_code == 400
    assert console.get("/console/conversations").status_code == 302


@pytest.mark.parametrize("url,data", [
    ("/console/conversations/conv-resolved-en-0001/tags", {"tag": "x"}),
    ("/console/conversations/conv-resolved-en-0001/notes", {"body": "x"}),
    ("/console/conversations/conv-resolved-en-0001/review", {"reviewed": "yes"}),
    ("/console/logout", {}),
    ("/console/users", {"username": "eve", "role": "admin", "password": "0123456789ab"}),
    ("/console/canned-replies", {"shortcut": "bye", "language": "en", "title": "Bye", "text": "Bye!"}),
    ("/console/canned-replies/1/delete", {}),
])
def test_every_post_is_refused_without_the_csrf_token(console, url, data):
    console.sign_in("adam")
    assert console.post(url, data, csrf=False).status_code == 403
    assert console.post(url, {**data, "csrf_token": "forged"}, csrf=False).status_code == 403
    accepted = console.client.post(url, data=data, headers={"X-CSRF-Token": console.csrf()})
    assert accepted.status_code in (200, 302)


def test_the_csrf_token_is_renewed_on_sign_in(console):
    before = console.csrf()
    console.sign_in("anna")
    assert console.csrf() != before


# -- roles

@pytest.mark.parametrize("user,users_page,story", [
    ("anna", 403, 403), ("tove", 403, 200), ("adam", 200, 200),
])
def test_roles(console, user, users_page, story):
    scenarios.seed(console.databases)
    console.sign_in(user)
    assert console.get("/console/users").status_code == users_page
    assert console.get("/console/audit").status_code == users_page
    assert console.get("/console/conversations/conv-resolved-en-0001/story.yml").status_code == story
    assert console.get("/console/conversations").status_code == 200


def test_an_agent_cannot_manage_users(console):
    console.sign_in("anna")
    assert console.post("/console/users", {"username": "eve", "role": "admin",
                                            "password": "0123456789ab"}).status_code == 403
    assert console.post("/console/users/1", {"action": "role", "role": "admin"}).status_code == 403
    console.post("/console/logout")
    assert console.sign_in("eve", "0123456789ab").status_code == 401


def test_admins_manage_users(console):
    console.sign_in("adam")
    created = console.post("/console/users", {"username": "bo", "role": "agent"})
    page = created.get_data(as_text=True)
    password = re.search(r'<code class="secret">([^<]+)</code>', page).group(1)
    other = console.new_client()
    assert other.sign_in("bo", password).status_code == 302
    assert other.get("/console/users").status_code == 403

    users = console.get("/console/users").get_data(as_text=True)
    bo_id = re.search(r'data-user="bo">.*?/console/users/(\d+)', users, re.S).group(1)
    console.post(f"/console/users/{bo_id}", {"action": "role", "role": "admin"})
    # A changed role ends the session: sign in again to get it.
    assert other.get("/console/users").status_code == 302
    assert other.sign_in("bo", password).status_code == 302
    assert other.get("/console/users").status_code == 200

    console.post(f"/console/users/{bo_id}", {"action": "disable"})
    assert other.get("/console/conversations").status_code == 302
    assert other.sign_in("bo", password).status_code == 401

    audit = console.get("/console/audit").get_data(as_text=True)
    for action in ("user created", "user role changed", "user disabled", "signed in"):
        assert action in audit


def test_the_last_admin_stays_an_admin(console):
    console.sign_in("adam")
    users = console.get("/console/users").get_data(as_text=True)
    adam_id = re.search(r'data-user="adam">.*?/console/users/(\d+)', users, re.S).group(1)
    response = console.post(f"/console/users/{adam_id}", {"action": "disable"})
    assert response.status_code == 302
    assert "The last admin cannot be disabled." in console.get("/console/users").get_data(as_text=True)
    assert console.get("/console/users").status_code == 200


def test_changing_ones_own_password(console):
    console.sign_in("anna")
    response = console.post("/console/account", {"current": PASSWORD, "new": "a brand new password",
                                                  "repeat": "a brand new password"})
    assert response.status_code == 302
    assert console.get("/console/conversations").status_code == 200  # still signed in
    fresh = console.new_client()
    assert fresh.sign_in("anna", PASSWORD).status_code == 401
    assert fresh.sign_in("anna", "a brand new password").status_code == 302
