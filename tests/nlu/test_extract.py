"""Pulling the customer's own values out of what they pasted."""
import pytest

from bot.nlu.extract import extract_values, normalise_pasted_error


@pytest.mark.parametrize(
    "text,expected",
    [
        ("it says account 1930 is not active??", {"account": "1930"}),
        ('Konto "3001" är inte aktivt.', {"account": "3001"}),
        ("Kontot 6540 är inte aktivt", {"account": "6540"}),
        ("acct 2641 inactive in fortnox", {"account": "2641", "accounting_system": "Fortnox"}),
        ("acount 1930 not actve", {"account": "1930"}),
        ("accont nr 5010 is inactive", {"account": "5010"}),
        ("Fel vid export: Verifikationsserien är inte manuell (F).", {"series": "F"}),
        ("Voucher series is not manual (a)", {"series": "A"}),
        ("serie B funkar inte i Visma", {"series": "B", "accounting_system": "Visma"}),
        ("FileId 8f3a2c1e-5b7d was not connected to voucher", {"file_id": "8f3a2c1e-5b7d"}),
        ("FileId: 4711 kopplades inte", {"file_id": "4711"}),
        ("Fortnox har låst perioden t.o.m. 2024-12-31.",
         {"period_date": "2024-12-31", "accounting_system": "Fortnox"}),
        ("period 2025-03 is locked", {"period_date": "2025-03"}),
        ("error code 2000663", {"error_code": "2000663"}),
        ("my exports don't work", {}),
        ("", {}),
    ],
)
def test_values(text, expected):
    assert extract_values(text) == expected


def test_seven_digit_code_is_not_an_account():
    assert "account" not in extract_values("Kunde inte hitta konto 2001304")


def test_file_id_is_not_the_next_word():
    assert "file_id" not in extract_values("FileId was not connected to voucher")


def test_pasted_json_is_unpacked_including_unicode_escapes():
    body = ('{"ErrorInformation": {"error": 1, "message": '
            '"Verifikationsserien \\u00e4r inte manuell (B)", "code": 2000663}}')
    assert "Verifikationsserien är inte manuell (B)" in normalise_pasted_error(body)
    assert extract_values(body) == {"series": "B", "error_code": "2000663"}


def test_broken_json_is_left_alone():
    assert normalise_pasted_error('{"message": "half') == '{"message": "half'


def test_hostile_input_does_not_crash():
    for text in ["\x00\x01\x02", "{" * 5000 + "}" * 5000, "{" * 100_000, "a" * 100_000,
                 "<script>alert(1)</script>", "FileId " * 20_000]:
        extract_values(text)


@pytest.mark.parametrize(
    "text,system",
    [
        ("we moved from Visma to Fortnox", "Fortnox"),
        ("vi har bytt från Visma till Fortnox", "Fortnox"),
        ("we use Fortnox, not Visma", "Fortnox"),
        ("vi använder Bokio istället för Fortnox", "Bokio"),
        ("Fortnox and now also Visma", "Visma"),
        ("exporting from Fortnox fails", "Fortnox"),  # the only one named, even after "from"
    ],
)
def test_the_system_the_customer_uses_is_the_latest_current_one(text, system):
    assert extract_values(text)["accounting_system"] == system


@pytest.mark.parametrize(
    "text,date",
    [
        ("The period is locked up to 2024-12-31", "2024-12-31"),
        ("perioden är låst t.o.m. 2024-06-30", "2024-06-30"),
        ("bokföringen är stängd till och med 2023-12-31", "2023-12-31"),
        ("Fortnox says closed until 2024-11", "2024-11"),
        ("perioden 2024-12 är stängd", "2024-12"),
    ],
)
def test_the_period_date_is_the_lock_date(text, date):
    assert extract_values(text)["period_date"] == date


@pytest.mark.parametrize(
    "text",
    [
        "mitt personnummer är 19121212-1212",
        "mitt personnummer är 1912-12-12",
        "the transaction from 2024-03-12 failed, the period is closed",
        "I paid on 2024-05-02 and the export failed",
    ],
)
def test_a_date_that_is_not_a_lock_date_is_no_period_date(text):
    assert "period_date" not in extract_values(text)
