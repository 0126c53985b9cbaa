"""A person takes over in the widget: the customer's page and the agent's, side by side."""
from __future__ import annotations

import re
import time

from PIL import Image
from playwright.sync_api import expect

from tests.support.assistants import TEST_OUTPUT
from tests.support.browsers import Chat
from tests.system.handoff.conftest import AGENT_PASSWORD

OUTPUT = TEST_OUTPUT / "handoff"


def test_agent_inbox_and_widget_side_by_side(pages, anna, admin, live):
    pages_url, rasa_url = live.ports.pages_url, live.ports.rasa_url
    customer_page, agent_page = pages
    for other in (admin,):
        other.set_duty(False)
    anna.set_duty(True)

    # The agent signs in and opens the inbox.
    agent_page.goto(f"{pages_url}/console/agent/")
    agent_page.get_by_label("User name").fill("anna.svensson")
    agent_page.get_by_label("Password").fill(AGENT_PASSWORD)
    agent_page.get_by_role("button", name="Sign in").click()
    expect(agent_page).to_have_url(f"{pages_url}/console/agent/")
    expect(agent_page.locator("#duty-status")).to_have_text("You are on duty")

    # The customer: a fix that did not work.
    chat = Chat(customer_page, pages_url, rasa_url)
    customer_page.goto(f"{pages_url}/?server={rasa_url}")
    chat.open()
    chat.send("Account 1930 is not active")
    chat.wait_for_bot("Did that fix it?")
    customer_page.get_by_role("button", name="No, still failing").click()
    chat.wait_for_bot("join this chat")
    # Paused for a person: the header says so at once, before the customer types again.
    expect(customer_page.locator(".ehc-subtitle")).to_have_text("Waiting for a person from support…",
                                                                timeout=5_000)
    conversation = chat.session_id()

    # In the agent's inbox without reloading, with the summary at the top.
    card = agent_page.locator(f'article.waiting[data-conversation="{conversation}"]')
    expect(card).to_be_visible(timeout=4_000)
    expect(card.locator(".detected-error")).to_have_text("account_not_active")
    expect(card.locator(".values")).to_contain_text("account = 1930")
    expect(card.locator(".steps")).to_have_text("account_not_active")
    expect(card.locator(".language")).to_have_text("English")
    expect(card.locator("time.waited")).to_have_text(re.compile(r"^(under 1 min|\d+ min)$"))

    # Claim: the agent's chat page; the customer sees Anna join, marked as a person.
    card.get_by_role("button", name=re.compile("Claim case")).click()
    expect(agent_page).to_have_url(f"{pages_url}/console/agent/chats/{conversation}")
    joined = chat.wait_for_bot("Anna from support has joined the chat.")
    expect(joined).to_have_class(re.compile("ehc-from-agent"))
    expect(customer_page.locator(".ehc-subtitle")).to_have_text("You are chatting with Anna from support")

    # The agent sees what the customer saw: the button's title, the fix formatted.
    messages = agent_page.locator("#messages")
    expect(messages.locator(".msg.customer.button")).to_have_text(re.compile("No, still failing$"))
    expect(messages).not_to_contain_text("/deny")
    expect(messages).not_to_contain_text("/greet")
    expect(messages.locator(".msg.assistant ol li").first).to_be_visible()
    expect(messages).not_to_contain_text("**")

    # Both directions, live.
    reply = agent_page.get_by_label("Your reply")
    reply.fill("Hi, I'm Anna. Which year is the voucher in?")
    reply.press("Enter")
    message = chat.wait_for_bot("Which year is the voucher in?")
    expect(message.locator(".ehc-agent-name")).to_have_text("Anna from support")
    expect(reply).to_have_value("")
    chat.send("It's in 2024")
    expect(agent_page.locator("#messages .msg.customer").filter(has_text="It's in 2024")).to_be_visible()
    expect(agent_page.locator("#messages .msg.agent").filter(has_text="Which year")).to_be_visible()
    expect(customer_page.locator(".ehc-typing")).to_be_hidden()

    # A contact address typed to Anna: on the ticket, shown to her; the message stays masked.
    chat.send("You can also mail me at anna.k@example.se")
    expect(agent_page.locator("#contact-email")).to_have_text("anna.k@example.se")
    expect(agent_page.locator("#messages .msg.customer").last).to_contain_text("[e-mail]")

    # The customer reloads: the chat and the person are still there.
    customer_page.reload()
    expect(chat.panel).to_be_visible()
    expect(chat.bot_messages().filter(has_text="Which year is the voucher in?")).to_have_count(1)
    expect(customer_page.locator(".ehc-subtitle")).to_have_text("You are chatting with Anna from support")

    OUTPUT.mkdir(parents=True, exist_ok=True)
    customer_page.screenshot(path=str(OUTPUT / "customer.png"))
    agent_page.screenshot(path=str(OUTPUT / "agent.png"))
    agent_page.screenshot(path=str(OUTPUT / "agent-chat.png"), full_page=True)
    left, right = Image.open(OUTPUT / "customer.png"), Image.open(OUTPUT / "agent.png")
    both = Image.new("RGB", (left.width + right.width, max(left.height, right.height)), "white")
    both.paste(left, (0, 0))
    both.paste(right, (left.width, 0))
    both.save(OUTPUT / "side-by-side.png")

    # Hand back: the assistant says it is back, and the widget shows the assistant again.
    # Its answer comes late, as from a busy server: the chat page's poll sees the new status
    # first and must not reload the page over the redirect to the inbox.
    def late_answer(route):
        response = route.fetch(max_redirects=0)
        time.sleep(2.5)
        route.fulfill(response=response)

    agent_page.route("**/hand-back", late_answer)
    agent_page.get_by_role("button", name="Hand back to the assistant").click()
    expect(agent_page).to_have_url(f"{pages_url}/console/agent/")
    back = chat.wait_for_bot("I'm back")
    expect(back).not_to_have_class(re.compile("ehc-from-agent"))
    expect(customer_page.locator(".ehc-subtitle")).to_have_text("Assistant for failed exports")
    chat.send("Thank you!")
    chat.wait_for_bot("You're welcome")
