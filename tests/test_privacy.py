"""Personal data is masked in what customers write; bookkeeping values are kept.

Both sides are tested with tables of examples: everything in MASKED must disappear
(replaced by its label), everything in KEPT must come through unchanged.
"""
import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.escalation import ActionEscalate
from bot.nlu.extract import extract_values
from bot.privacy import (
    BANK_ACCOUNT,
    CARD,
    EMAIL,
    IBAN,
    ORGANISATION_NUMBER,
    PERSONNUMMER,
    PHONE,
    iban_valid,
    luhn_valid,
    mask_event,
    mask_text,
    mask_value,
    personal_number_problem,
)
from bot.storage.unit_of_work import UnitOfWork
from tests.support.trackers import make_tracker

# (message, the personal data in it, its label)
MASKED = [
    # personnummer: with and without century, with "-", "+" (over 100) or nothing
    ("my personnummer is 19811218-9876", "19811218-9876", PERSONNUMMER),
    ("pnr 811218-9876 thanks", "811218-9876", PERSONNUMMER),
    ("born 1911: 111218+9876", "111218+9876", PERSONNUMMER),
    ("198112189876", "198112189876", PERSONNUMMER),
    ("personnr 8112189876.", "8112189876", PERSONNUMMER),
    ("mitt personnummer: 20050101-1232", "20050101-1232", PERSONNUMMER),
    ("samordningsnummer 701063-2391", "701063-2391", PERSONNUMMER),
    ("pnr 19811218 9876", "19811218 9876", PERSONNUMMER),
    # card numbers, Luhn-valid, 13-19 digits, with spaces or dashes
    ("card 4111 1111 1111 1111 please", "4111 1111 1111 1111", CARD),
    ("kort: 4111-1111-1111-1111", "4111-1111-1111-1111", CARD),
    ("5555555555554444 was charged", "5555555555554444", CARD),
    ("amex 3782 822463 10005", "3782 822463 10005", CARD),
    ("visa 4222222222222", "4222222222222", CARD),
    ("card 6011 0009 9013 9424 and", "6011 0009 9013 9424", CARD),
    ("19 digits 4111 1111 1111 1111 003", "4111 1111 1111 1111 003", CARD),
    # IBANs: Swedish and others, with or without groups, lower case too
    ("IBAN SE45 5000 0000 0583 9825 7466", "SE45 5000 0000 0583 9825 7466", IBAN),
    ("to SE4550000000058398257466.", "SE4550000000058398257466", IBAN),
    ("iban se45 5000 0000 0583 9825 7466", "se45 5000 0000 0583 9825 7466", IBAN),
    ("DE89 3704 0044 0532 0130 00", "DE89 3704 0044 0532 0130 00", IBAN),
    ("GB82WEST12345698765432", "GB82WEST12345698765432", IBAN),
    ("typo SE4550000000058398257467", "SE4550000000058398257467", IBAN),
    # Swedish bank accounts: clearing number and account number
    ("konto 8327-9 123 456 789-0 hos Swedbank", "8327-9 123 456 789-0", BANK_ACCOUNT),
    ("my account is 1234-5678901", "1234-5678901", BANK_ACCOUNT),
    ("clearing 1234, 567 890 1", "1234, 567 890 1", BANK_ACCOUNT),
    ("Handelsbanken 6789 123 456 789", "6789 123 456 789", BANK_ACCOUNT),
    ("nordea 3300 811218 9876", "3300 811218 9876", BANK_ACCOUNT),
    ("5000 1234567", "5000 1234567", BANK_ACCOUNT),
    # e-mail addresses
    ("mail me at anna.svensson@example.com", "anna.svensson@example.com", EMAIL),
    ("Anna+test@företag.se", "Anna+test@företag.se", EMAIL),
    ("<bo_ek@mail.co.uk>", "bo_ek@mail.co.uk", EMAIL),
    # phone numbers: +46, 0046, national with area codes, mobiles, and other countries
    ("call +46 70 123 45 67", "+46 70 123 45 67", PHONE),
    ("+46701234567", "+46701234567", PHONE),
    ("+46 (0)70-123 45 67", "+46 (0)70-123 45 67", PHONE),
    ("0046 70 123 45 67", "0046 70 123 45 67", PHONE),
    ("ring 070-123 45 67", "070-123 45 67", PHONE),
    ("0701234567", "0701234567", PHONE),
    ("073 123 45 67", "073 123 45 67", PHONE),
    ("kontor 08-123 456 78", "08-123 456 78", PHONE),
    ("Göteborg 031-12 34 56", "031-12 34 56", PHONE),
    ("London +44 20 7946 0958", "+44 20 7946 0958", PHONE),
    # what the outside probe got through (issue 14, item 3): a word after an IBAN, other
    # separators, a spaced dash, fullwidth digits, invisible characters, spelled "@"
    ("My IBAN is SE4550000000058398257466 thanks", "SE4550000000058398257466", IBAN),
    ("IBAN SE45 5000 0000 0583 9825 7466 tack", "SE45 5000 0000 0583 9825 7466", IBAN),
    ("iban SE45\u00a05000\u00a00000\u00a00583\u00a09825\u00a07466", "SE45\u00a05000\u00a00000\u00a00583\u00a09825\u00a07466",
     IBAN),
    ("card 4111.1111.1111.1111 ok", "4111.1111.1111.1111", CARD),
    ("kort 4111/1111/1111/1111", "4111/1111/1111/1111", CARD),
    ("kort 4111 - 1111 - 1111 - 1111", "4111 - 1111 - 1111 - 1111", CARD),
    ("ref 12 4111 1111 1111 1111", "4111 1111 1111 1111", CARD),
    ("pnr 19121212 - 1212", "19121212 - 1212", PERSONNUMMER),
    ("pnr 121212 -1212", "121212 -1212", PERSONNUMMER),
    ("card \uff14\uff11\uff11\uff11 \uff11\uff11\uff11\uff11 \uff11\uff11\uff11\uff11 \uff11\uff11\uff11\uff11",
     "\uff14\uff11\uff11\uff11 \uff11\uff11\uff11\uff11 \uff11\uff11\uff11\uff11 \uff11\uff11\uff11\uff11", CARD),
    ("pnr \uff11\uff19\uff18\uff11\uff11\uff12\uff11\uff18-\uff19\uff18\uff17\uff16",
     "\uff11\uff19\uff18\uff11\uff11\uff12\uff11\uff18-\uff19\uff18\uff17\uff16", PERSONNUMMER),
    ("card 4111\u200b1111\u200b1111\u200b1111.", "4111\u200b1111\u200b1111\u200b1111", CARD),
    ("pnr 1981\u200d1218-98\u00ad76", "1981\u200d1218-98\u00ad76", PERSONNUMMER),
    ("IBAN SE45\ufeff5000000000583982\u20607466", "SE45\ufeff5000000000583982\u20607466", IBAN),
    ("mail anna (at) example.com", "anna (at) example.com", EMAIL),
    ("anna.svensson[at]example[dot]com", "anna.svensson[at]example[dot]com", EMAIL),
    ("bo{at}foretag (punkt) se", "bo{at}foretag (punkt) se", EMAIL),
    ("anna\uff20example.com", "anna\uff20example.com", EMAIL),
    # organisation numbers (stdnum's check; a sole trader's is a personnummer)
    ("org nr 556036-0793", "556036-0793", ORGANISATION_NUMBER),
]

# Messages whose every character must survive: the values the assistant works with.
KEPT = [
    "Account 1930 is not active",
    "Kontot 1930 är inte aktivt för räkenskapsåret",
    "accounts 1930, 1940, 2010 and 3000",
    "accounts 1930 1940 2010 3000",
    "konto 1930 fel 2000663",
    "1930 2000663",
    "code 2000663",
    '{"ErrorInformation": {"error": 1, "message": "Kontot 1930 är inte aktivt", "code": 2000663}}',
    "Verifikationsserien är inte manuell (F)",
    "voucher series AB is not manual",
    "serie A",
    "The period is closed 2024-12-31",
    "period 2024-12 is locked",
    "between 2024-01-01 and 2024-12-31",
    "20241231",
    "FileId 3f2504e0-4f89-11d3-9a0c-0305e82c3301 was not connected",
    "FileId 20241218-1234-5678-9abc-def012345678 was not connected",
    "file id a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6",
    "FileId: 12345678",
    "amount −3 450,00 SEK on 2024-03-12",
    "1 234 567 kr",
    "transaction TX-8841",
    "Rasa 3.6.21 on port 5005",
    "invoice 12345",
    "4111 1111 1111 1112 is not a valid card",
    "Fortnox 2000357 and 2001304",
    "ok",
    "",
    "{{{{{{{{{{",
    "Jag har provat 3 gånger idag",
    # log lines and dates with times
    "2024-01-31 12:00:00 INFO sync ok",
    "Account 1930 is not active. Log follows:\n2024-01-31 12:00:00 INFO sync ok\n"
    "2024-01-31 12:00:01 INFO sync ok\nEND",
    "2024-01-31 12:00:00,123 ERROR export failed",
    "2024-01-31T12:00:00+01:00",
    "31/01/2024 12:00:00",
    "2024-01-31 1200",
    "on 01/02/2024 at 12:30",
    "12:00:00",
    "2024-03-12 08:15 −3 450,00 SEK",
    # the wider separators and the windows keep bookkeeping values too
    "Fortnox error 2000588 on account 1930",
    "konto 1930 fel 2000588 serie B",
    "accounts 1930/1940/2010/3000",
    "period 2024/12/31 and 31.12.2024",
    "amount 1.234.567,00 kr",
    "voucher A 12 on 2024-12-31 (at) 12:00",
    "Kontot \uff11\uff19\uff13\uff10 är inte aktivt",
    "FileId\u200b 3f2504e0-4f89-11d3-9a0c-0305e82c3301",
    "SE45 is a country and two digits",
]


@pytest.mark.parametrize("message,personal,label", MASKED)
def test_personal_data_is_masked(message, personal, label):
    masked = mask_text(message)
    assert personal not in masked
    assert label in masked
    assert masked == message.replace(personal, label)


@pytest.mark.parametrize("message", KEPT)
def test_bookkeeping_values_are_kept(message):
    assert mask_text(message) == message


@pytest.mark.parametrize("message", KEPT)
def test_the_values_the_assistant_extracts_survive_masking(message):
    assert extract_values(mask_text(message)) == extract_values(message)


def test_a_message_with_both_keeps_the_values_and_loses_the_personal_data():
    message = ("Account 1930 is not active (2000663), serie F, FileId 3f2504e0-4f89-11d3-9a0c-0305e82c3301, "
               "2024-12-31. I am 19811218-9876, anna@example.com, 070-123 45 67, "
               "card 4111 1111 1111 1111, IBAN SE45 5000 0000 0583 9825 7466, konto 8327-9 123 456 789-0")
    masked = mask_text(message)
    for kept in ("1930", "2000663", "serie F", "3f2504e0-4f89-11d3-9a0c-0305e82c3301", "2024-12-31"):
        assert kept in masked
    for label in (PERSONNUMMER, EMAIL, PHONE, CARD, IBAN, BANK_ACCOUNT):
        assert label in masked
    assert not any(digits in masked for digits in ("9876", "4111", "0583", "123 456 789"))
    assert extract_values(masked) == extract_values(message)


@pytest.mark.parametrize("message", [m for m, _, _ in MASKED] + KEPT)
def test_masking_is_idempotent(message):
    once = mask_text(message)
    assert mask_text(once) == once


def test_none_is_none():
    assert mask_text(None) is None


@pytest.mark.parametrize("number,valid", [
    ("4111111111111111", True), ("4111111111111112", False), ("8112189876", True),
    ("79927398713", True), ("79927398710", False), ("12a4", False),
])
def test_luhn(number, valid):
    assert luhn_valid(number) is valid


def test_iban_check():
    assert iban_valid("SE45 5000 0000 0583 9825 7466")
    assert not iban_valid("SE45 5000 0000 0583 9825 7467")
    assert not iban_valid("SE45")


def test_a_long_message_is_masked_quickly():
    import time

    message = ("Account 1930 is not active, ring 070-123 45 67 " * 2000) + "x" * 100_000
    started = time.perf_counter()
    masked = mask_text(message)
    assert time.perf_counter() - started < 2
    assert "070-123" not in masked and masked.count("1930") == 2000


# -- events as Rasa stores them

def _user_event(text, **extra):
    return {
        "event": "user", "timestamp": 1.0, "text": text, "input_channel": "socketio",
        "message_id": "343b51e7d5b446688ee71df49f109fea",
        "metadata": {"transaction": {"id": "TX-8841", "error": f"contact {text}"}, "language": "en"},
        "parse_data": {
            "intent": {"name": "account_not_active", "confidence": 0.97}, "text": text,
            "entities": [{"entity": "account", "value": "1930", "start": 8, "end": 12}],
            "message_id": "343b51e7d5b446688ee71df49f109fea",
            "metadata": {"transaction": {"note": text}},
            "intent_ranking": [{"name": "account_not_active", "confidence": 0.97}],
        },
        **extra,
    }


def test_user_events_are_masked_everywhere_the_text_is():
    event = _user_event("account 1930 is off, mail anna@example.com")
    masked = mask_event(event)
    assert masked["text"] == "account 1930 is off, mail [e-mail]"
    assert masked["parse_data"]["text"] == masked["text"]
    assert masked["metadata"]["transaction"] == {"id": "TX-8841", "error": "contact " + masked["text"]}
    assert masked["parse_data"]["metadata"]["transaction"]["note"] == masked["text"]
    assert masked["parse_data"]["entities"] == event["parse_data"]["entities"]
    assert masked["parse_data"]["intent"] == event["parse_data"]["intent"]
    assert masked["message_id"] == event["message_id"]
    assert "anna@example.com" in event["text"], "the original is left alone"


def test_metadata_keys_are_masked_too_and_none_is_lost():
    metadata = {"anna@example.com": "x", "bo@example.com": {"070-123 45 67": 1}, "[e-mail]": 3, "account": "1930"}
    assert mask_value(metadata) == {"[e-mail]": "x", "[e-mail] (2)": {"[phone]": 1}, "[e-mail] (3)": 3,
                                    "account": "1930"}
    event = _user_event("hi")
    event["metadata"] = {"transaction": {"19811218-9876": "owner"}}
    assert mask_event(event)["metadata"] == {"transaction": {"[personnummer]": "owner"}}


def test_bot_and_slot_events_are_masked_and_others_kept():
    bot = {"event": "bot", "text": "We will call 070-123 45 67", "data": {}, "metadata": {}}
    slot = {"event": "slot", "name": "file_id", "value": "anna@example.com"}
    action = {"event": "action", "name": "action_give_fix", "policy": "RulePolicy"}
    assert mask_event(bot)["text"] == "We will call [phone]"
    assert mask_event(slot)["value"] == "[e-mail]"
    assert mask_event(action) == action
    assert mask_event({"event": "slot", "name": "steps_given", "value": ["period_closed"]})["value"] == [
        "period_closed"]


# -- the handoff ticket's recent messages

def test_the_ticket_keeps_the_customers_messages_masked(database_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", database_url)
    tracker = make_tracker(
        [("Account 1930 is not active", "account_not_active"),
         ("still failing, call me on 070-123 45 67 or 19811218-9876", "request_human")],
        slots={"language": "en"}, sender_id="conv-private",
    )
    ActionEscalate().run(CollectingDispatcher(), tracker, domain={})
    with UnitOfWork.for_database(database_url) as uow:
        [ticket] = uow.tickets.tickets_for("conv-private")
    assert ticket.recent_messages == [
        "Account 1930 is not active", "still failing, call me on [phone] or [personnummer]"]


# -- the trainer's backstop: no long number may become training data (data/nlu is in git)

@pytest.mark.parametrize("message,reason", [
    # what masking catches
    ("My IBAN is SE4550000000058398257466 thanks", "[iban]"),
    ("pnr 19121212 - 1212", "[personnummer]"),
    # what it does not: long numbers of no known kind, Luhn- or mod-97-valid runs
    ("the export for customer 48213377 keeps failing", "8 digits"),
    ("reference 4821 3377 9 is stuck", "9 digits"),
    ("ref 1234.5678.9012 fails", "12 digits"),
    ("ref 7992739871 3 fails", "valid check digit"),
    ("code \uff14\uff18\uff12\uff11\uff13\uff13\uff17\uff17 again", "8 digits"),
    ("ref 4821\u200b3377 again", "8 digits"),
    ("to XX4050000000058398257466 now", "IBAN check"),
    ("org 556036-0794 (a typo)", "10 digits"),
    ("accounts 4111 1111 1111 1111", "[card number]"),
])
def test_the_trainer_refuses_long_and_check_digit_numbers(message, reason):
    problem = personal_number_problem(message)
    assert problem and reason in problem


@pytest.mark.parametrize("message", KEPT + [
    "accounts 1930 1940 2010 3000", "dates 20241231 and 2024-12-31 12:00:00",
    "FileId 20241218-1234-5678-9abc-def012345678", "total 12 345 678,00 kr", "Fortnox 2000357 2001304",
    "id 3f2504e0-4f89-11d3-9a0c-0305e82c3301 failed", "version 3.6.21",
])
def test_the_trainer_accepts_bookkeeping_values(message):
    assert personal_number_problem(message) is None


def test_every_training_example_passes_the_backstop():
    from bot.trainer.datafile import read_examples
    from bot.trainer.project import Project

    examples = list(read_examples(Project().nlu_dir))
    assert len(examples) > 500
    assert [text for _, text, _ in examples if personal_number_problem(text)] == []


@pytest.mark.parametrize("repeated", ["SE45 ", "4111 ", "4111-", "1 ", "\u200b1", "anna (at) "])
def test_a_message_of_many_candidates_is_masked_quickly(repeated):
    import time

    message = repeated * (5000 // len(repeated))  # the longest message the channels read
    started = time.perf_counter()
    mask_text(message)
    assert time.perf_counter() - started < 1
