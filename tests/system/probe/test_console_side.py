"""The outside probe of issue 14 replayed against the real assistant, console side: what it
found must stay fixed (items 4, 5, 8 and the pages' part of 9).

The whole assistant (Rasa server, action server, pages process with the console) runs once
for this module, on ports the OS chooses and SQLite files of its own; the probe talks HTTP
to it as an attacker would, reads the process list as another user of the machine would,
and frames the demo page in Chromium as a foreign site would.
"""
from __future__ import annotations

import os
import re
import socket
import stat
import time
import uuid
from pathlib import Path

import pytest
import requests

from tests.support.assistants import TEST_OUTPUT, embedded_env, require_trained_model, running_assistant
from tests.support.browsers import debian_chromium

ADMIN_PASSWORD = "probe admin password 123"
LOG_DIR = TEST_OUTPUT / "probe" / "console-side"
TIMEOUT = 30
# PAGES_REQUEST_SECONDS's default, the clean-up's interval, and one line's wait.
TRICKLE_BOUND = 20 + 5 + 2


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    require_trained_model()
    data = tmp_path_factory.mktemp("probe-console")
    log_dir = LOG_DIR / uuid.uuid4().hex[:8]

    def env_for(ports):
        return embedded_env(data, ports, CONSOLE_ADMIN_PASSWORD=ADMIN_PASSWORD)

    with running_assistant(env_for, log_dir) as (running, ports):
        running.ports, running.data_dir, running.log_dir_used = ports, data, log_dir
        yield running


@pytest.fixture
def pages_url(live):
    return live.ports.pages_url


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def signed_in(pages_url: str, username: str = "admin", password: str = ADMIN_PASSWORD):
    """A browser session (requests) signed in to the console, and its CSRF token."""
    browser = requests.Session()
    token = csrf_of(browser.get(f"{pages_url}/console/login", timeout=TIMEOUT).text)
    response = browser.post(f"{pages_url}/console/login", timeout=TIMEOUT, allow_redirects=False,
                            data={"username": username, "password": password, "csrf_token": token})
    assert response.status_code == 302, response.status_code
    return browser, csrf_of(browser.get(f"{pages_url}/console/account", timeout=TIMEOUT).text)


# -- item 8: the Rasa API token

def process_group_pids(leaders) -> list:
    """Every process in the process groups the launcher started (its children and theirs)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) in leaders:  # the process group id
                pids.append(int(entry.name))
    return pids


def test_the_api_token_is_in_no_command_line_and_no_log(live):
    token = live.env["RASA_API_TOKEN"]
    # The API works with it (so any access log would have had the chance to print it).
    status = requests.get(f"{live.ports.rasa_url}/status", params={"token": token}, timeout=TIMEOUT)
    assert status.status_code == 200
    assert requests.get(f"{live.ports.rasa_url}/status", timeout=TIMEOUT).status_code == 401
    pids = process_group_pids({process.pid for process in live.processes.values()})
    assert len(pids) >= len(live.processes)
    command_lines = {pid: Path(f"/proc/{pid}/cmdline").read_bytes() for pid in pids}
    assert not [pid for pid, line in command_lines.items() if token.encode() in line]
    logs = list(live.log_dir_used.glob("*.log"))
    assert logs and not [log.name for log in logs if token.encode() in log.read_bytes()]


# -- item 4: signing out ends the session

def test_a_cookie_saved_before_signing_out_reads_and_writes_nothing(pages_url):
    browser, csrf = signed_in(pages_url)
    thief = requests.Session()
    thief.cookies.set("console_session", browser.cookies["console_session"], path="/console")
    api = f"{pages_url}/console/api/conversations"
    note = f"{pages_url}/console/conversations/any-conversation-id/notes"
    assert thief.get(api, timeout=TIMEOUT).status_code == 200
    assert browser.post(f"{pages_url}/console/logout", data={"csrf_token": csrf}, timeout=TIMEOUT,
                        allow_redirects=False).status_code == 302
    assert thief.get(api, timeout=TIMEOUT).status_code == 401
    page = thief.get(f"{pages_url}/console/conversations", timeout=TIMEOUT, allow_redirects=False)
    assert page.status_code == 302 and "/console/login" in page.headers["Location"]
    assert thief.post(note, data={"body": "after logout"}, headers={"X-CSRF-Token": csrf},
                      timeout=TIMEOUT).status_code == 401


# -- item 5: a guesser does not lock out staff behind one address

def test_twenty_wrong_passwords_over_five_names_then_the_admin_signs_in(pages_url):
    guesser = requests.Session()
    token = csrf_of(guesser.get(f"{pages_url}/console/login", timeout=TIMEOUT).text)
    for name in ("admin", "anna", "tove", "root", "support"):
        for attempt in range(4):
            response = guesser.post(f"{pages_url}/console/login", timeout=TIMEOUT, data={
                "username": name, "password": f"guess {attempt}", "csrf_token": token})
            assert response.status_code == 401
    signed_in(pages_url)


# -- item 9, the pages' side

def test_a_date_far_ahead_is_a_400_not_a_500(pages_url):
    browser, _ = signed_in(pages_url)
    for url in ("/console/conversations?date_to=9999-12-31",
                "/console/api/conversations?date_from=0001-01-01"):
        assert browser.get(pages_url + url, timeout=TIMEOUT).status_code == 400


def test_a_client_trickling_header_lines_is_cut_off(live):
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", live.ports.pages), timeout=1) as connection:
        connection.sendall(b"GET /console/login HTTP/1.1\r\nHost: localhost\r\n")
        last_line = started
        while time.monotonic() - started < TRICKLE_BOUND + 10:
            try:
                if connection.recv(1024) == b"":
                    break
            except socket.timeout:
                pass
            except ConnectionResetError:
                # Cut off too: a server that closes with unread header lines in its buffer
                # resets the connection instead of ending it (TCP's rule, not the server's).
                break
            if time.monotonic() - last_line >= 5:
                try:
                    connection.sendall(b"X-Probe: one line every 5 s\r\n")
                except OSError:
                    break
                last_line = time.monotonic()
    assert time.monotonic() - started <= TRICKLE_BOUND


@pytest.mark.parametrize("server", ["http://evil.example:5005", "https://attacker.example"])
def test_the_demo_page_points_the_widget_at_no_foreign_server(pages_url, server):
    response = requests.get(f"{pages_url}/", params={"server": server}, timeout=TIMEOUT)
    assert response.status_code == 400 and "not allowed" in response.text


@pytest.mark.parametrize("path", ["/", "/widget/export-help-chat.js", "/widget/export-help-chat.css"])
def test_the_demo_page_and_widget_files_send_security_headers(pages_url, path):
    headers = requests.get(pages_url + path, timeout=TIMEOUT).headers
    assert headers["X-Frame-Options"] == "DENY" and headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]


def test_a_foreign_page_cannot_frame_the_demo_page(pages_url):
    with debian_chromium() as browser:
        page = browser.new_page()
        try:
            page.set_content(f'<iframe id="framed" src="{pages_url}/" width="800" height="600"></iframe>',
                             wait_until="load")
            page.wait_for_load_state("load")
            framed = [frame for frame in page.frames if frame is not page.main_frame]
            assert framed
            shown = [frame.evaluate("document.body ? document.body.innerText : ''") for frame in framed]
            assert not [text for text in shown if "Northbank" in text], shown
        finally:
            page.close()


def test_the_databases_are_readable_by_this_user_only(live):
    files = [path for path in live.data_dir.iterdir() if ".db" in path.name]
    assert {path.name for path in files} >= {"assistant.db", "tracker.db"}
    assert {path.name: stat.S_IMODE(os.stat(path).st_mode) for path in files} == {
        path.name: 0o600 for path in files}
