"""A pasted error, JSON body or code does not decide the language of the conversation."""
import pytest

from bot.nlu.pasted import message_language, own_words
from bot.nlu.values import ExportValueExtractor

JSON_EN = ('{"ErrorInformation": {"error": 1, "message": "No access to the current scope.", '
           '"code": 2000663}}')


@pytest.mark.parametrize(
    "text,language",
    [
        ("hej! There is no active license for the requested scope, vad gör jag?", "sv"),
        ("jag får felet invalid refresh token när jag exporterar", "sv"),
        (f"exporten säger så här: {JSON_EN}", "sv"),
        ("The value contains invalid characters. Vad betyder det?", "sv"),
        ("I get Fortnox har låst perioden t.o.m. 2024-12-31. Lås upp perioden för att "
         "fortsätta. what now?", "en"),
        ("hi, the export says Kontot 1930 är inte aktivt, what do I do?", "en"),
        ("help, Verifikationsserien är inte manuell (F) on every export", "en"),
    ],
)
def test_own_words_decide_the_language(text, language):
    assert message_language(text) == language


def test_a_message_that_is_only_a_paste_takes_the_pages_language():
    for text in ("Invalid refresh token", JSON_EN, "2000663", "Valt datum är i en låst period."):
        assert message_language(text, "sv" if text.isascii() else "en") == (
            "sv" if text.isascii() else "en")
        assert own_words(text).strip(" .") == ""


def test_a_paste_alone_without_a_page_language_keeps_todays_rule():
    assert message_language("Verifikationsserien är inte manuell (F)") == "sv"
    assert message_language("Invalid refresh token") == "en"


def test_the_widgets_page_language_beats_a_pasted_error_in_the_other_language():
    entities = ExportValueExtractor.entities_for("Invalid refresh token", {"language": "sv"})
    assert {e["entity"]: e["value"] for e in entities}["language"] == "sv"


def test_own_words_around_a_paste_are_kept():
    assert own_words("jag får felet invalid refresh token när jag exporterar").split() == [
        "jag", "får", "felet", "när", "jag", "exporterar"]
