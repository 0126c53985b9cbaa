import pytest

from bot.nlu.language import ENGLISH_WORDS, SWEDISH_WORDS, detect_language


@pytest.mark.parametrize(
    "text,language",
    [
        ("it says account 1930 is not active??", "en"),
        ("my exports dont work", "en"),
        ("can i talk to a human pls", "en"),
        ("Fel vid export: Verifikationsserien är inte manuell (F).", "sv"),
        ("hej, exporten funkar inte", "sv"),
        ("kontot ar inte aktivt, vad gor jag", "sv"),
        ("Konto \"3001\" är inte aktivt.", "sv"),
        ("jag vill prata med en människa", "sv"),
        ("1930?", None),
        ("", None),
        ("/affirm", None),
    ],
)
def test_detects_language(text, language):
    assert detect_language(text) == language


def test_an_english_sentence_around_a_swedish_paste_stays_english():
    assert detect_language("hi, the export says Kontot 1930 är inte aktivt, what do I do?") == "en"


def test_word_lists_do_not_overlap():
    assert not SWEDISH_WORDS & ENGLISH_WORDS
