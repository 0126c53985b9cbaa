"""What render.py fills in: the customer's values as plain words (never markup of theirs in
the assistant's reply), and the bank's name and site from the settings."""
import pytest

from bot.catalogue import LANGUAGES, load_catalogue
from bot.catalogue.render import plain_value, render_fix
from bot.console.message_format import format_message
from bot.settings import settings

CATALOGUE = load_catalogue()
# Issue 14 item 9: `/account_not_active{"account": "[x](http://evil)**bold**"}`.
EVIL = "[x](http://evil.example/steal)**bold** `code` <b>tag</b> https://evil.example"


def test_a_value_keeps_its_words_but_no_markup():
    assert plain_value(EVIL) == "xhttp//evil.example/stealbold code btag/b https//evil.example"
    assert plain_value("1930") == "1930" and plain_value("Björn Lundén") == "Björn Lundén"
    assert plain_value("8f3a2c1e-5b7d_4e21") == "8f3a2c1e-5b7d_4e21"
    assert plain_value("x" * 500) == "x" * 64


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("error", CATALOGUE.errors, ids=lambda e: e.intent)
def test_values_never_become_links_bold_or_code_in_the_reply(error, language):
    values = {name: EVIL for name in CATALOGUE.values}
    text = render_fix(error.intent, language, values)
    safe = render_fix(error.intent, language, {name: "X1" for name in CATALOGUE.values})
    for markup in ("](", "http://", "https://", "`", "<b>"):
        assert markup not in text, text
    # Bold only where the catalogue itself puts it (the title, the bank's button names).
    assert text.count("**") == safe.count("**")
    # The staff console shows the same reply: no link and no extra bold there either.
    html = str(format_message(text))
    assert "<a " not in html and "<code>" not in html
    assert html.count("<strong>") == str(format_message(safe)).count("<strong>")


def test_the_banks_name_and_site_come_from_the_settings():
    other = settings({"BANK_NAME": "Exempelbanken", "BANK_SITE": "exempelbanken.se"})
    for error in CATALOGUE.errors:
        for language in LANGUAGES:
            text = render_fix(error.intent, language, {}, config=other)
            assert "Nordea" not in text, text
    english = render_fix("invalid_refresh_token", "en", {}, config=other)
    swedish = render_fix("invalid_refresh_token", "sv", {}, config=other)
    assert "Log in to Exempelbanken's online banking at exempelbanken.se." in english
    assert "Logga in i Exempelbankens internetbank på exempelbanken.se." in swedish
    # The help page's bank is the default.
    assert "Nordea.se" in render_fix("invalid_refresh_token", "en", {}, config=settings({}))
