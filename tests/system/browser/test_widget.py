"""The chat widget on the demo page, in headless Chromium, against the real assistant."""
from __future__ import annotations

from pathlib import Path

from PIL import Image
from playwright.sync_api import expect

from tests.support.assistants import user_events
from tests.support.browsers import Chat
from tests.system.browser.conftest import OUTPUT_DIR

# Written on every run; copy it to docs/widget.png (the README's picture) when the look changes.
SCREENSHOT = OUTPUT_DIR / "widget.png"


def test_fix_comes_as_a_numbered_list_and_no_escalates(chat: Chat):
    chat.goto().open()
    expect(chat.input).to_be_focused()
    chat.wait_for_greeting()

    chat.send("Account 1930 is not active")
    expect(chat.user_messages().last).to_have_text("You: Account 1930 is not active",
                                                       use_inner_text=True)
    steps = chat.log.locator("ol > li")
    expect(steps.first).to_be_visible(timeout=45_000)
    assert steps.count() >= 2
    expect(chat.log.locator("ol").filter(has_text="1930")).to_have_count(1)
    expect(chat.log.locator("strong").filter(has_text="Account is not active")).to_be_visible()
    chat.wait_for_bot("Did that fix it?")

    chat.page.get_by_role("button", name="No, still failing").click()
    chat.wait_for_bot("passed this conversation to our support team")
    # The quick replies were used: they cannot be pressed again.
    expect(chat.page.get_by_role("button", name="No, still failing")).to_be_disabled()
    expect(chat.page.get_by_role("button", name="Yes, it works")).to_be_disabled()
    assert not chat.errors


def test_reload_and_a_second_tab_show_the_same_conversation(chat: Chat):
    chat.goto().open()
    chat.send("Account 1930 is not active")
    chat.wait_for_bot("Did that fix it?")
    chat.page.get_by_role("button", name="No, still failing").click()
    chat.wait_for_bot("passed this conversation")
    before = chat.log_texts()

    chat.page.reload()
    # The chat was open: it still is, with the whole conversation.
    expect(chat.panel).to_be_visible()
    expect(chat.log.locator("ol > li").filter(has_text="1930").first).to_be_visible()
    chat.wait_for_bot("passed this conversation")
    expect(chat.user_messages().filter(has_text="No, still failing")).to_have_count(1)
    assert chat.log_texts() == before

    # A second tab of the same browser: same conversation, and what either tab says
    # shows up in both, once.
    second = chat.another_tab().goto().open()
    second.wait_for_bot("passed this conversation")
    assert second.log_texts() == before
    second.send("Thank you!")
    for tab in (second, chat):
        expect(tab.user_messages().filter(has_text="Thank you!")).to_have_count(1)
        tab.wait_for_bot("welcome")
    chat.page.wait_for_timeout(1000)  # late duplicates would show up by now
    for tab in (second, chat):
        expect(tab.bot_messages().filter(has_text="welcome")).to_have_count(1)
    assert chat.log_texts() == second.log_texts()
    assert chat.log_texts()[: len(before)] == before


def test_markup_typed_by_the_customer_is_shown_as_text(chat: Chat):
    chat.goto().open()
    chat.wait_for_greeting()
    attack = "<img src=x onerror=alert(1)>"
    chat.send(attack)
    expect(chat.user_messages().last).to_have_text(f"You: {attack}", use_inner_text=True)
    # The assistant answers (it does not understand); the markup never became an element.
    chat.wait_for_bot("didn't understand")
    chat.send("<script>alert(2)</script><b>bold?</b>")
    expect(chat.user_messages().last).to_have_text(
        "You: <script>alert(2)</script><b>bold?</b>", use_inner_text=True)
    chat.page.wait_for_timeout(500)
    expect(chat.log.locator("img")).to_have_count(0)
    expect(chat.log.locator("script")).to_have_count(0)
    expect(chat.log.locator("b")).to_have_count(0)
    assert chat.dialogs == []
    assert not chat.errors


def test_server_messages_use_only_the_safe_markdown_subset(chat: Chat):
    """What the server sends is text too: only bold, lists, http(s) links and images."""
    chat.goto().open()
    chat.wait_for_greeting()  # so the greeting cannot arrive in between and be taken instead
    chat.page.evaluate(
        """() => ExportHelpChat.widget.onBotMessage({
            text: "**Bold** [bad](javascript:alert(1)) <img src=x onerror=alert(3)> see https://example.com/help.\\n1. one\\n2. [two](https://example.com/two)",
            quick_replies: [{content_type: "text", title: "<b>x</b>", payload: "/x"}],
            attachment: {type: "image", payload: {src: "javascript:alert(4)"}}
        })"""
    )
    image_url = f"{chat.pages_url}/demo/none.png"
    chat.page.evaluate(
        """src => ExportHelpChat.widget.onBotMessage({attachment: {type: "image", payload: {src}}})""",
        image_url,
    )
    message = chat.bot_messages().filter(has_text="example.com/help").first
    expect(message.locator("strong")).to_have_text("Bold")
    expect(message).to_contain_text("<img src=x onerror=alert(3)>")
    expect(message.locator("ol > li")).to_have_count(2)
    links = message.locator("a")
    expect(links).to_have_count(2)
    assert [links.nth(i).get_attribute("href") for i in range(2)] == [
        "https://example.com/help", "https://example.com/two"]
    assert links.first.get_attribute("rel") == "noopener noreferrer nofollow"
    expect(message).to_contain_text("bad")  # the unsafe link's text, without the link
    expect(chat.page.get_by_role("button", name="<b>x</b>")).to_be_visible()
    images = chat.log.locator("img")
    expect(images).to_have_count(1)
    assert images.first.get_attribute("src") == image_url
    chat.page.wait_for_timeout(300)
    assert chat.dialogs == []


def test_get_help_on_a_failed_transaction_opens_the_fix_for_it(chat: Chat, assistant):
    chat.goto()
    chat.page.locator("#tx-8841").get_by_role("button", name="Get help").click()
    expect(chat.panel).to_be_visible()
    # Shown as what the chat is about, not as if the customer had typed it.
    context = chat.log.locator(".ehc-context")
    expect(context).to_have_text("About transaction TX-8841 · 2024-03-12 · −3 450,00 SEK: "
                                 "Account 1930 is not active", use_inner_text=True)
    expect(chat.user_messages()).to_have_count(0)
    expect(chat.log.locator("ol > li").filter(has_text="1930").first).to_be_visible(timeout=45_000)
    chat.wait_for_bot("Did that fix it?")
    # The fix came straight away, without a greeting first.
    expect(chat.bot_messages().first).to_contain_text("Account is not active")

    # Rasa keeps the transaction with the customer's message, for the support staff.
    events = user_events(assistant.tracker_db, chat.session_id())
    assert [e["text"] for e in events] == ["Account 1930 is not active"], events
    metadata = events[0]["metadata"]
    assert metadata["language"] == "en"
    assert metadata["transaction"] == {
        "id": "TX-8841", "date": "2024-03-12", "amount": "−3 450,00 SEK",
        "merchant": "Clas Ohlson", "accountingSystem": "Fortnox",
        "error": "Account 1930 is not active",
    }

    # Asking about the same transaction again does not send it twice.
    chat.page.keyboard.press("Escape")
    chat.page.locator("#tx-8841").get_by_role("button", name="Get help").click()
    chat.page.wait_for_timeout(1000)
    expect(context).to_have_count(1)


def test_swedish_page_answers_an_english_error_in_swedish_with_its_system(chat: Chat):
    chat.goto(lang="sv")
    chat.page.locator("#tx-8841").get_by_role("button", name="Få hjälp").click()
    expect(chat.log.locator("ol > li").filter(has_text="kontoplanen i Fortnox").first).to_be_visible(
        timeout=45_000)
    expect(chat.log.locator("ol > li").filter(has_text="konto 1930").first).to_be_visible()
    chat.wait_for_bot("Löste det problemet?")


def test_swedish_page_and_screenshot(chat: Chat):
    chat.goto(lang="sv")
    chat.page.locator("#tx-8790").get_by_role("button", name="Få hjälp").click()
    expect(chat.log.locator(".ehc-context")).to_contain_text(
        "Om transaktion TX-8790 · 2024-03-05 · −12 600,00 SEK: Fel vid export")
    expect(chat.log.locator("ol > li").filter(has_text="verifikationsserie F").first).to_be_visible(
        timeout=45_000)
    chat.wait_for_bot("Löste det problemet?")
    expect(chat.page.get_by_role("button", name="Nej, det misslyckas fortfarande")).to_be_enabled()
    expect(chat.page.get_by_role("textbox", name="Meddelande")).to_be_visible()
    chat.page.wait_for_timeout(400)  # let the last message scroll into view
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    desktop = OUTPUT_DIR / "widget-desktop.png"
    phone = OUTPUT_DIR / "widget-360.png"
    chat.page.screenshot(path=str(desktop))

    chat.page.set_viewport_size({"width": 360, "height": 800})
    chat.page.wait_for_timeout(400)
    # At 360 px the chat fills the screen and nothing sticks out sideways.
    box = chat.panel.bounding_box()
    assert box["x"] == 0 and box["width"] == 360
    assert chat.page.evaluate(
        "() => { const log = document.querySelector('#export-help-chat').shadowRoot"
        ".querySelector('.ehc-log'); return log.scrollWidth <= log.clientWidth; }")
    chat.page.screenshot(path=str(phone))
    save_side_by_side(desktop, phone, SCREENSHOT)


def save_side_by_side(desktop: Path, phone: Path, target: Path) -> None:
    """docs/widget.png: the desktop page and the 360 px phone view next to each other."""
    left, right = Image.open(desktop), Image.open(phone)
    gap = 24
    canvas = Image.new("RGB", (left.width + gap + right.width, max(left.height, right.height)),
                       (214, 219, 226))
    canvas.paste(left, (0, 0))
    canvas.paste(right, (left.width + gap, 0))
    target.parent.mkdir(parents=True, exist_ok=True)
    canvas.save(target, optimize=True)


def test_keyboard_only(chat: Chat):
    chat.goto()
    # Tab through the page to the bubble (it comes last), open it with Enter.
    for _ in range(15):
        chat.page.keyboard.press("Tab")
        if chat.focused().startswith("Open chat"):
            break
    assert chat.focused() == "Open chat: Export help"
    chat.page.keyboard.press("Enter")
    expect(chat.panel).to_be_visible()
    assert chat.focused() == "Message"

    chat.page.keyboard.type("Account 1930 is not active")
    chat.page.keyboard.press("Enter")
    chat.wait_for_bot("Did that fix it?")
    assert chat.focused() == "Message"
    chat.page.keyboard.press("Tab")
    assert chat.focused() == "Send"
    # Back past the input to the quick replies, the last one first.
    chat.page.keyboard.press("Shift+Tab")
    chat.page.keyboard.press("Shift+Tab")
    assert chat.focused() == "No, still failing"
    chat.page.keyboard.press("Shift+Tab")
    assert chat.focused() == "Yes, it works"
    chat.page.keyboard.press("Enter")
    chat.wait_for_bot("glad it works")

    # Esc closes and gives the focus back to the bubble; Space opens again.
    chat.page.keyboard.press("Escape")
    expect(chat.panel).to_be_hidden()
    assert chat.focused() == "Open chat: Export help"
    chat.page.keyboard.press("Space")
    expect(chat.panel).to_be_visible()
    assert chat.focused() == "Message"
    # The controls are labelled, the log is announced politely.
    expect(chat.log).to_have_attribute("aria-live", "polite")
    expect(chat.panel.get_by_role("button", name="Close chat")).to_be_visible()


def test_messages_written_while_the_server_is_down_are_sent_when_it_is_back(
    chat: Chat, rasa_server_restored
):
    assistant = rasa_server_restored
    chat.goto().open()
    chat.wait_for_greeting()

    assistant.stop_process("rasa server")
    expect(chat.status).to_contain_text("Reconnecting…", timeout=15_000)
    chat.send("Account 2640 is not active")
    pending = chat.user_messages().filter(has_text="Account 2640 is not active")
    expect(pending).to_contain_text("will be sent when the connection is back", use_inner_text=True)

    # Still queued after a reload: the queue is in localStorage.
    chat.page.reload()
    expect(chat.panel).to_be_visible()
    expect(chat.status).to_contain_text("Reconnecting…", timeout=15_000)
    expect(pending).to_contain_text("will be sent when the connection is back", use_inner_text=True)

    assistant.start_process("rasa server")
    expect(chat.status).to_be_hidden(timeout=30_000)
    expect(chat.log.locator("ol > li").filter(has_text="2640").first).to_be_visible(timeout=45_000)
    expect(pending).not_to_contain_text("will be sent", use_inner_text=True)
    expect(chat.user_messages().filter(has_text="Account 2640 is not active")).to_have_count(1)
    expect(chat.bot_messages().filter(has_text="Did that fix it?")).to_have_count(1)
