"""Server-side sessions (issue 14 item 4): the cookie is only an id, signing out ends
the session for every copy of the cookie, idle and absolute timeouts, and "sign out
everywhere".  The session store's clock is the test's: no sleeping."""
import re

import pytest

from bot.console.sessions import SESSION_COOKIE
from bot.storage.staff import StaffRepository
from bot.storage.staff_sessions import Lifetimes, StaffSessionRepository
from tests.support import scenarios

CONVERSATION = "conv-resolved-en-0001"
NOTE_URL = f"/console/conversations/{CONVERSATION}/notes"


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, minutes: float) -> None:
        self.now += minutes * 60


@pytest.fixture
def clock(console):
    clock = Clock()
    console.app.session_interface.clock = clock
    scenarios.seed(console.databases)
    return clock


def cookie_of(console) -> str:
    cookie = console.client.get_cookie(SESSION_COOKIE, path="/console")
    return cookie.value if cookie else ""


def replay(console, cookie: str):
    """A second browser with nothing but a copy of the cookie."""
    other = console.new_client()
    other.client.set_cookie(SESSION_COOKIE, cookie, path="/console")
    return other


def reads(console) -> bool:
    return console.get("/console/api/conversations").status_code == 200


def writes_a_note(console, csrf: str) -> int:
    return console.client.post(NOTE_URL, data={"body": "still here?"},
                               headers={"X-CSRF-Token": csrf}).status_code


def test_the_cookie_holds_only_a_random_id(console, clock):
    console.sign_in("anna")
    cookie = cookie_of(console)
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", cookie)
    other = console.new_client()
    other.sign_in("anna")
    assert cookie_of(other) != cookie
    with console.databases.sessions() as db:
        user = StaffRepository(db).by_name("anna")
        assert StaffSessionRepository(db, Lifetimes(60, 60)).count_for(user.id) == 2


def test_a_cookie_saved_before_signing_out_reads_and_writes_nothing(console, clock):
    console.sign_in("anna")
    saved, csrf = cookie_of(console), console.csrf()
    thief = replay(console, saved)
    assert reads(thief) and writes_a_note(thief, csrf) in (200, 302)
    assert console.post("/console/logout").status_code == 302
    assert thief.get("/console/api/conversations").status_code == 401
    page = thief.get(f"/console/conversations/{CONVERSATION}")
    assert page.status_code == 302 and page.headers["Location"].startswith("/console/login")
    assert writes_a_note(thief, csrf) == 401


def test_a_session_ends_after_the_idle_timeout(console, clock):
    console.sign_in("anna")
    for _ in range(20):  # in use for 10 hours... (the absolute lifetime is 8)
        clock.advance(29)
        if not reads(console):
            break
    assert clock.now - 1_800_000_000.0 <= 8 * 3600 + 29 * 60, "no absolute lifetime"
    console.sign_in("anna")
    clock.advance(31)
    assert not reads(console)


def test_requests_keep_a_session_alive_until_its_lifetime(console, clock):
    console.sign_in("anna")
    for _ in range(int(8 * 60 / 20) - 1):
        clock.advance(20)
        assert reads(console)
    clock.advance(25)
    assert not reads(console)


def test_sign_out_everywhere_ends_every_session_of_the_user(console, clock):
    laptop, phone, colleague = console, console.new_client(), console.new_client()
    laptop.sign_in("anna")
    phone.sign_in("anna")
    colleague.sign_in("tove")
    assert phone.post("/console/logout/everywhere").status_code == 302
    assert not reads(laptop) and not reads(phone)
    assert reads(colleague)


@pytest.mark.parametrize("action", ["disable", "reset_password", "role"])
def test_an_admin_changing_a_user_signs_them_out_everywhere(console, clock, action):
    anna = console.new_client()
    anna.sign_in("anna")
    saved = cookie_of(anna)
    console.sign_in("adam")
    with console.databases.sessions() as db:
        user_id = StaffRepository(db).by_name("anna").id
    assert console.post(f"/console/users/{user_id}", {"action": action, "role": "trainer"}
                        ).status_code in (200, 302)
    assert not reads(anna) and not reads(replay(console, saved))
    with console.databases.sessions() as db:
        assert StaffSessionRepository(db, Lifetimes(1e9, 1e9)).count_for(user_id) == 0


def test_changing_ones_password_keeps_this_session_and_ends_the_others(console, clock):
    console.sign_in("anna")
    other = console.new_client()
    other.sign_in("anna")
    response = console.post("/console/account", {
        "current": "correct horse battery staple", "new": "a new password 123",
        "repeat": "a new password 123"})
    assert response.status_code == 302
    assert reads(console) and not reads(other)
