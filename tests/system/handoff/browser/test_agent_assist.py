"""Agent assist in a real browser: a Swedish customer hands over, the agent claims the chat,
inserts a canned reply and the suggested fix with the keyboard alone, edits and sends, and
the customer reads it in the widget, formatted, with their own values."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.support.assistants import TEST_OUTPUT
from tests.support.browsers import Chat
from tests.system.handoff.conftest import AGENT_PASSWORD

OUTPUT = TEST_OUTPUT / "handoff"


def test_the_agent_inserts_a_canned_reply_and_the_suggested_fix_by_keyboard(pages, anna, admin, live):
    pages_url, rasa_url = live.ports.pages_url, live.ports.rasa_url
    customer_page, agent_page = pages
    admin.set_duty(False)
    anna.set_duty(True)

    # A Swedish customer: the fix did not help, a person is asked for.
    # Swedish by their own words (a pasted error text alone does not set the language).
    chat = Chat(customer_page, pages_url, rasa_url).goto().open()
    chat.send("Det står Konto 1930 är inte aktivt, vad gör jag?")
    chat.wait_for_bot("Löste det problemet?")
    customer_page.get_by_role("button", name="Nej, det misslyckas fortfarande").click()
    chat.wait_for_bot("ansluter till chatten")
    conversation = chat.session_id()

    # The agent signs in on the chat's page and claims it.
    agent_page.goto(f"{pages_url}/console/agent/chats/{conversation}")
    agent_page.get_by_label("User name").fill("anna.svensson")
    agent_page.get_by_label("Password").fill(AGENT_PASSWORD)
    agent_page.get_by_role("button", name="Sign in").click()
    agent_page.get_by_role("button", name=re.compile("Claim case")).click()
    chat.wait_for_bot("Anna från kundtjänst har anslutit till chatten.")

    # The suggestion: the understood fix, in Swedish, with the customer's account.
    suggestion = agent_page.locator("#suggestion")
    expect(suggestion.locator("strong")).to_have_text("Kontot är inte aktivt")
    expect(suggestion.locator("ol li").nth(1)).to_contain_text("Leta upp konto 1930")
    expect(agent_page.locator("#assist-language")).to_have_value("sv")

    # The customer tells the person a new value; the agent picks another error's fix.
    chat.send("Det gäller verifikationsserie B också")
    expect(agent_page.locator("#messages .msg.customer").filter(has_text="verifikationsserie B")).to_be_visible()
    agent_page.get_by_label("The fix for").select_option("voucher_series_not_manual")
    expect(suggestion.locator("strong")).to_have_text("Verifikationsserien är inte manuell")
    expect(suggestion.locator("ol li").nth(1)).to_contain_text("verifikationsserie B")

    # Keyboard only: "/" in the empty box opens the picker, "hello" + Enter inserts the
    # Swedish greeting; Ctrl+K + Enter appends the suggestion; Shift+Enter, a line of
    # one's own; Enter sends.
    reply = agent_page.get_by_label("Your reply")
    reply.focus()
    agent_page.keyboard.press("/")
    picker = agent_page.locator("#canned-picker")
    expect(picker).to_be_visible()
    expect(agent_page.locator("#canned-filter")).to_be_focused()
    agent_page.keyboard.type("hello")
    expect(picker.locator("[role=option].active")).to_contain_text("Hälsning")
    agent_page.keyboard.press("Enter")
    expect(picker).to_be_hidden()
    expect(reply).to_be_focused()
    expect(reply).to_have_value(re.compile(r"^Hej, tack för att du väntade!"))
    agent_page.keyboard.press("Control+k")
    active = picker.locator("[role=option].active")
    expect(active).to_contain_text("Suggested: Verifikationsserien är inte manuell")
    OUTPUT.mkdir(parents=True, exist_ok=True)
    agent_page.screenshot(path=str(OUTPUT / "agent-assist.png"), full_page=True)
    agent_page.keyboard.press("Enter")
    expect(reply).to_have_value(re.compile(r"upprepa det\.\n\*\*Verifikationsserien är inte manuell\*\*\n"))
    agent_page.keyboard.press("Shift+Enter")
    agent_page.keyboard.type("Hälsningar, Anna")
    agent_page.keyboard.press("Enter")
    expect(reply).to_have_value("")

    # The customer reads it as one message from Anna, formatted, with series B in the steps.
    message = chat.wait_for_bot("Hej, tack för att du väntade!")
    expect(message.locator(".ehc-agent-name")).to_have_text(re.compile("Anna"))
    expect(message.locator("strong").first).to_have_text("Verifikationsserien är inte manuell")
    expect(message.locator("li").nth(1)).to_contain_text("verifikationsserie B")
    expect(message).to_contain_text("Hälsningar, Anna")
    expect(message).not_to_contain_text("**")

    agent_page.get_by_role("button", name="Hand back to the assistant").click()
    expect(agent_page).to_have_url(f"{pages_url}/console/agent/")
