"""What the value extractor component reports, with and without the widget's metadata."""
from bot.nlu.values import ExportValueExtractor


def by_name(entities):
    return {e["entity"]: e["value"] for e in entities}


def test_typed_message_values_and_language():
    entities = by_name(ExportValueExtractor.entities_for("kontot 1930 är inte aktivt i Visma"))
    assert entities == {"account": "1930", "accounting_system": "Visma", "language": "sv"}


def test_transaction_context_uses_the_pages_language_and_system():
    metadata = {"language": "sv", "transaction": {"id": "TX-1", "accountingSystem": "fortnox",
                                                  "error": "Account 1930 is not active"}}
    entities = by_name(ExportValueExtractor.entities_for("Account 1930 is not active", metadata))
    assert entities == {"account": "1930", "accounting_system": "Fortnox", "language": "sv"}


def test_typed_language_beats_the_pages_language():
    entities = by_name(ExportValueExtractor.entities_for("hej, exporten funkar inte",
                                                         {"language": "en"}))
    assert entities["language"] == "sv"


def test_pages_language_when_the_text_shows_none():
    assert by_name(ExportValueExtractor.entities_for("1930?", {"language": "sv"})) == {
        "language": "sv"}


def test_odd_metadata_is_ignored():
    for metadata in (None, "x", {"language": "de"}, {"transaction": "nope"}, {"transaction": {}}):
        ExportValueExtractor.entities_for("Account 1930 is not active", metadata)
