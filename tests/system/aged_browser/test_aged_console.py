"""An agent and a trainer in Chromium on three months of use: today's chats on top of 1,050
follow-ups, paging and finding an old one; the NLU inbox full, filtered and worked on."""
from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import select

from bot.storage.tickets import CLAIMED, OPEN, WAITING, HandoffTicket
from tests.system.aged_browser.conftest import sign_in


def ids(served, status):
    with served.aged.databases.sessions() as session:
        return list(session.execute(select(HandoffTicket.id).where(HandoffTicket.status == status)
                                    .order_by(HandoffTicket.created_at, HandoffTicket.id)).scalars())


def test_an_agent_sees_todays_chats_above_months_of_follow_ups(page, served):
    waiting, claimed, follow_ups = ids(served, WAITING), ids(served, CLAIMED), ids(served, OPEN)
    sign_in(page, served.base_url, "anna", "/console/agent/")
    expect(page).to_have_url(served.base_url + "/console/agent/")

    # Every waiting chat (longest wait first) and every chat in progress, at the top.
    cards = page.locator("article.handoff-card.waiting")
    expect(cards).to_have_count(len(waiting))
    assert [int(t) for t in cards.evaluate_all("els => els.map(e => e.dataset.ticket)")] == waiting
    expect(page.locator("article.handoff-card.claimed")).to_have_count(len(claimed))
    first_waiting = cards.first.bounding_box()["y"]
    first_follow_up = page.locator("article.handoff-card.open").first.bounding_box()["y"]
    assert first_waiting < first_follow_up
    expect(cards.first.locator("time.waited")).to_have_text(re.compile(r"^(under 1 min|\d+ min)$"))

    # Follow-ups: the total, the newest first, a page at a time.
    expect(page.locator("#open-heading")).to_contain_text(f"({len(follow_ups)})")
    expect(page.locator("article.handoff-card.open")).to_have_count(25)
    expect(page.locator("article.handoff-card.open").first).to_have_attribute("data-ticket", str(follow_ups[-1]))
    expect(page.locator("nav.pager")).to_contain_text("Page 1 of 42")
    page.get_by_role("link", name="Older").click()
    expect(page.locator("nav.pager")).to_contain_text("Page 2 of 42")
    expect(page.locator("article.handoff-card.open").first).to_have_attribute("data-ticket", str(follow_ups[-26]))

    # The oldest follow-up, three months back, found by its case number.
    page.locator("#follow-up-q").fill(f"#{follow_ups[0]}")
    page.get_by_role("button", name="Find").click()
    expect(page.locator("article.handoff-card.open")).to_have_count(1)
    expect(page.locator("article.handoff-card.open")).to_have_attribute("data-ticket", str(follow_ups[0]))
    expect(page.locator("#open-heading")).to_contain_text("matching")
    # Today's chats stay in view while searching.
    expect(page.locator("article.handoff-card.waiting")).to_have_count(len(waiting))


def test_a_trainer_filters_and_works_through_a_full_nlu_inbox(page, served):
    sign_in(page, served.base_url, "tove", "/console/training/inbox")
    expect(page).to_have_url(served.base_url + "/console/training/inbox")
    total = int(page.locator("#inbox-total").inner_text())
    assert total > 50
    expect(page.locator("section.inbox-item")).to_have_count(50)  # a page of them

    page.get_by_label("Language").first.select_option("sv")
    page.get_by_label("Reason").select_option("fell back")
    page.get_by_label("Sort").select_option("newest")
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"language=sv"))
    items = page.locator("section.inbox-item")
    expect(items.first).to_be_visible()
    filtered = int(page.locator("#inbox-total").inner_text())
    assert 0 < filtered < total
    for meta in items.locator(".meta").all_inner_texts():
        assert "Swedish" in meta and "fell back" in meta

    # A decision on the filtered page keeps the filter and takes the group away.
    first = items.first
    text = first.locator("p.text").inner_text()
    first.get_by_role("button", name="Dismiss").click()
    expect(page.locator(".flash.ok")).to_contain_text("Dismissed")
    expect(page).to_have_url(re.compile(r"language=sv"))
    expect(page.locator("section.inbox-item", has=page.locator("p.text", has_text=text))).to_have_count(0)
    expect(page.locator("#inbox-total")).to_have_text(str(filtered - 1))
