"""Sign-in, filtering and the transcript view in headless Chromium, against real conversations."""
from __future__ import annotations

import json
import re
import sqlite3

from playwright.sync_api import Page, expect

from tests.system.console_browser.conftest import OUTPUT_DIR, Live, sign_in


def rows(page: Page):
    return page.locator("table.conversations tbody tr[data-conversation]")


def test_the_live_assistant_stores_conversations_masked(live: Live):
    with sqlite3.connect(live.tracker_db) as connection:
        texts = [json.loads(data)["text"] for (data,) in connection.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'user' ORDER BY id",
            (live.senders["private"],))]
        everything = " ".join(data for (data,) in connection.execute("SELECT data FROM events"))
    assert texts[0] == ("The period is closed 2024-12-31. I am [personnummer], mail [e-mail], "
                        "call [phone]")
    for personal in ("19811218-9876", "anna.svensson@example.com", "070-123 45 67"):
        assert personal not in everything
    # The handoff ticket keeps the customer's messages masked too.
    with sqlite3.connect(live.project_db) as connection:
        [(recent,)] = connection.execute(
            "SELECT recent_messages FROM handoff_tickets WHERE conversation_id = ?",
            (live.senders["private"],)).fetchall()
    assert json.loads(recent) == [texts[0]]


def test_sign_in(page: Page, live: Live):
    sign_in(page, live.console_url, password="not the password")
    expect(page.get_by_role("alert")).to_have_text("Wrong user name or password.")
    page.get_by_label("Password").fill("console admin password for tests")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live.console_url}/conversations")
    expect(page.get_by_role("heading", name="Conversations")).to_be_visible()
    expect(rows(page)).to_have_count(4)
    # Newest first: the last conversation made is on top.
    expect(rows(page).first).to_have_attribute("data-conversation", live.senders["private"])
    page.screenshot(path=str(OUTPUT_DIR / "console-list.png"), full_page=True)

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{live.console_url}/login")
    page.goto(f"{live.console_url}/conversations")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_filtering(page: Page, live: Live):
    sign_in(page, live.console_url)
    filters = page.get_by_role("search", name="Filter conversations")
    filters.get_by_label("Language").select_option("sv")
    filters.get_by_label("Escalated").select_option("yes")
    filters.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"language=sv.*escalated=yes"))
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_have_attribute("data-conversation", live.senders["swedish_escalated"])
    expect(page.locator("#total")).to_have_text("1")

    page.get_by_role("link", name="Clear").click()
    filters.get_by_label("Fell back").select_option("yes")
    filters.get_by_role("button", name="Apply filters").click()
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_have_attribute("data-conversation", live.senders["not_understood"])

    page.get_by_role("link", name="Clear").click()
    filters.get_by_label("Search messages").fill("1930")
    filters.get_by_label("Resolved").select_option("yes")
    filters.get_by_role("button", name="Apply filters").click()
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_have_attribute("data-conversation", live.senders["resolved"])

    page.get_by_role("link", name="Clear").click()
    filters.get_by_label("Error").select_option("period_closed")
    filters.get_by_role("button", name="Apply filters").click()
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_contain_text("[personnummer]")


def test_the_transcript(page: Page, live: Live):
    sign_in(page, live.console_url)
    sender = live.senders["resolved"]
    rows(page).filter(has=page.locator(f'[data-conversation="{sender}"]')).count()
    page.locator(f'tr[data-conversation="{sender}"] a').click()
    expect(page.get_by_role("heading", name=re.compile("Conversation"))).to_contain_text(sender)
    transcript = page.get_by_role("region", name="Transcript")
    customer = transcript.locator("li.ev.user").first
    expect(customer.locator(".bubble")).to_have_text("it says account 1930 is not active??")
    expect(customer.locator(".intent")).to_contain_text("account_not_active")
    expect(customer.locator(".entities")).to_have_text(re.compile(r"account = 1930"))
    expect(transcript.locator("li.ev.action").filter(has_text="action_give_fix")).to_have_count(1)
    expect(transcript.locator("li.ev.bot").filter(has_text="Did that fix it?")).to_contain_text("Yes, it works")
    expect(transcript.locator("li.ev.bot").filter(has_text="glad it works")).to_contain_text("utter_fix_worked")
    expect(customer.locator("time")).to_have_text(re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$"))

    tags = page.get_by_role("region", name="Tags")
    tags.get_by_label("New tag").fill("good answer")
    tags.get_by_role("button", name="Add tag").click()
    expect(page.get_by_role("region", name="Tags").locator(".tag")).to_have_text(["good answer"])
    page.get_by_role("region", name="Notes").get_by_label("New note").fill("Clear fix, customer happy.")
    page.get_by_role("button", name="Add note").click()
    expect(page.get_by_role("region", name="Notes")).to_contain_text("Clear fix, customer happy.")
    page.get_by_role("button", name="Mark reviewed").click()
    expect(page.locator("#review-status")).to_contain_text("Reviewed by admin")
    expect(page.get_by_role("region", name="History")).to_contain_text("marked reviewed")
    page.screenshot(path=str(OUTPUT_DIR / "console-transcript.png"), full_page=True)

    # Back to the list: the tag and the review are there, and filter.
    page.get_by_role("link", name="← Conversations").click()
    expect(page.locator(f'tr[data-conversation="{sender}"]')).to_contain_text("good answer")
    page.goto(f"{live.console_url}/conversations?tag=good+answer&reviewed=yes")
    expect(rows(page)).to_have_count(1)


def test_an_escalation_in_the_transcript(page: Page, live: Live):
    sign_in(page, live.console_url)
    page.goto(f"{live.console_url}/conversations/{live.senders['swedish_escalated']}")
    transcript = page.get_by_role("region", name="Transcript")
    expect(transcript.locator("li.ev.escalation")).to_have_text(re.compile("Escalated to a person"))
    expect(transcript.locator("li.ev.ticket")).to_contain_text("fix_did_not_work")
    expect(transcript.locator("li.ev.user").first.locator(".entities")).to_contain_text("series = F")
