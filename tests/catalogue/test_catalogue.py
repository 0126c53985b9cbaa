"""The catalogue of the eight errors: complete, faithful to the help page, self-consistent."""
from pathlib import Path

import pytest

from bot.catalogue.intents import ERROR_INTENTS
from bot.catalogue import LANGUAGES, load_catalogue
from bot.nlu.recognise import recognise_error
from bot.catalogue.render import render_fix, value_phrases

CATALOGUE = load_catalogue()
# The bank's help page the catalogue was written from, kept in the repository so the
# tests run wherever the checkout is; the team's shared copy, when it sits beside the
# checkout, must be the same page.
HELP_PAGE = Path(__file__).resolve().parents[2] / "docs" / "export-failed-help.txt"
SHARED_HELP_PAGE = Path(__file__).resolve().parents[3] / "shared" / "seed" / "export-failed-help.txt"



def test_has_the_eight_errors_in_help_page_order():
    assert CATALOGUE.intents == list(ERROR_INTENTS)
    assert [e.number for e in CATALOGUE.errors] == list(range(1, 9))


@pytest.mark.parametrize("error", CATALOGUE.errors, ids=lambda e: e.intent)
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_text_renders_with_and_without_values(error, language):
    every_value = {name: "X1" for name in CATALOGUE.values}
    for values in ({}, every_value):
        text = render_fix(error.intent, language, values)
        assert "{" not in text and "}" not in text
        assert error.title[language] in text


@pytest.mark.parametrize("error", CATALOGUE.errors, ids=lambda e: e.intent)
@pytest.mark.parametrize("language", LANGUAGES)
def test_each_wording_is_recognised_as_its_own_error(error, language):
    for wording in error.wordings[language]:
        assert recognise_error(wording) == error.intent, wording


def test_codes_belong_to_one_error_only():
    codes = [code for error in CATALOGUE.errors for code in error.codes]
    assert len(codes) == len(set(codes))
    assert not set(codes) & set(CATALOGUE.unknown_codes)


# The facts of each fix on the help page that the catalogue must keep (to a Fortnox
# customer: the page's facts are Fortnox's).
HELP_PAGE_FACTS = {
    "invalid_refresh_token": ["Nordea.se", "Accounting settings", "Disconnect accounting system"],
    "voucher_series_not_manual": ["manual posting", "financial year"],
    "account_not_active": ["active", "year"],
    "missing_voucher_permission": ["system administrator", "permission"],
    "no_active_license": ["license", "subscription", "Fortnox requires an active integration license"],
    "invalid_characters": ["/ ( % &", "comment", "participant list"],
    "receipt_not_connected": ["Upload", "Advanced accounting", "Mark as exported"],
    "period_closed": ["Accounting & Export", "Advanced", "new accounting date"],
}


@pytest.mark.parametrize("intent,facts", HELP_PAGE_FACTS.items())
def test_english_fix_keeps_the_help_pages_facts(intent, facts):
    text = render_fix(intent, "en", {"accounting_system": "Fortnox"})
    for fact in facts:
        assert fact in text, f"{intent}: {fact!r} missing"


@pytest.mark.parametrize("values", [{}, {"accounting_system": "Visma"}], ids=["none", "visma"])
def test_fortnox_facts_are_said_only_to_fortnox_customers(values):
    # Issue 13 items 1-3: "Your Visma subscription ... Fortnox requires one".
    for error in CATALOGUE.errors:
        for language in LANGUAGES:
            text = render_fix(error.intent, language, values)
            assert "Fortnox" not in text, text
    license_fix = render_fix("no_active_license", "en", values)
    assert "Your your" not in license_fix and "subscription to" in license_fix


def test_a_pasted_fortnox_code_means_fortnox_unless_another_system_was_named():
    code = {"error_code": "2000663"}
    assert "Fortnox requires the person" in render_fix("missing_voucher_permission", "en", code)
    assert "Fortnox" not in render_fix("missing_voucher_permission", "en",
                                       {**code, "accounting_system": "Visma"})


def test_error_4_never_offers_a_way_round_its_own_rule():
    # Issue 13 item 2: "ask them to give you the right to post vouchers and reconnect yourself"
    # contradicted "whoever connects must be a system administrator".
    text = render_fix("missing_voucher_permission", "en", {"accounting_system": "Fortnox"})
    assert "right to post vouchers and reconnect" not in text
    assert "ask to be made a system administrator in Fortnox first" in text


def test_the_receipt_step_uploads_the_receipt_not_the_file_id():
    # Issue 13 item 7: the FileId is the accounting system's id, not the customer's file.
    text = render_fix("receipt_not_connected", "en", {"file_id": "4711"})
    assert "1. Upload the receipt manually" in text and "instead of exporting it again" in text


def test_help_page_is_where_the_catalogue_says():
    # The facts above were taken from this page; if it moves, re-check them.
    page = HELP_PAGE.read_text(encoding="utf-8")
    assert "Disconnect accounting system" in page and "Mark as exported" in page
    if SHARED_HELP_PAGE.exists():  # beside the team's checkout, not in a bare CI clone
        assert SHARED_HELP_PAGE.read_text(encoding="utf-8") == page, "the help page changed"


def test_values_are_phrased_in_both_languages():
    assert value_phrases("sv", {"account": "1930"}, CATALOGUE)["account"] == "konto 1930"
    assert value_phrases("en", {}, CATALOGUE)["accounting_system"] == "your accounting system"
