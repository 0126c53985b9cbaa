"""Button payloads' values are checked like extracted ones (bot/runtime/payload_entities.py)."""
import pytest
from rasa.nlu.classifiers.regex_message_handler import RegexMessageHandler
from rasa.shared.core.domain import Domain
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.runtime import payload_entities

DOMAIN = Domain.from_yaml("""
version: "3.1"
intents: [account_not_active, greet]
entities: [account, language, series, accounting_system]
""")


def unpacked(text):
    payload_entities.apply()
    handler = RegexMessageHandler.create({}, None, None, None)
    [message] = handler.process([Message({TEXT: text})], DOMAIN)
    return {e["entity"]: e["value"] for e in message.get(ENTITIES) or []}


def test_the_widgets_own_payloads_keep_their_values():
    assert unpacked('/greet{"language": "sv"}') == {"language": "sv"}
    assert unpacked('/account_not_active{"account": "1930", "accounting_system": "Fortnox"}') == {
        "account": "1930", "accounting_system": "Fortnox"}


@pytest.mark.parametrize("payload", [
    '/account_not_active{"account": "**1930** [bank](https://evil.example)"}',
    '/account_not_active{"account": "<b>1930</b>"}',
    '/account_not_active{"account": 1930}',
    '/account_not_active{"series": "x y"}',
    '/account_not_active{"accounting_system": "EvilSoft"}',
    '/greet{"language": "de"}',
])
def test_a_value_no_extractor_would_give_is_dropped(payload):
    assert unpacked(payload) == {}


def test_applying_twice_wraps_once():
    payload_entities.apply()
    first = RegexMessageHandler.process
    payload_entities.apply()
    assert RegexMessageHandler.process is first


@pytest.mark.parametrize("text", [
    "Account 1930 is not active in fortnox", "Verifikationsserien är inte manuell (F)",
    "FileId: abc-123 was not connected", "period 2024-12-31 is closed, code 2000663",
])
def test_every_extracted_value_passes_the_payload_check(text):
    from bot.nlu.extract import extract_values, valid_value

    values = extract_values(text)
    assert values and all(valid_value(name, value) for name, value in values.items())
