"""Canned replies: the seeded defaults, checks, and changes in a unit of work, on SQLite and
PostgreSQL."""
import pytest

from bot.storage.canned_replies import CannedReplyInput, InvalidCannedReply
from bot.storage.unit_of_work import UnitOfWork


@pytest.fixture
def uow(databases):
    return UnitOfWork(databases.sessions)


def listed(uow, language_first=None):
    with uow:
        return [(r.shortcut, r.language) for r in uow.canned_replies.all(language_first)]


def test_a_new_database_has_a_greeting_checking_and_closing_in_both_languages(uow):
    assert listed(uow) == [("checking", "en"), ("checking", "sv"), ("closing", "en"),
                           ("closing", "sv"), ("hello", "en"), ("hello", "sv")]
    with uow:
        texts = {(r.shortcut, r.language): r.text for r in uow.canned_replies.all()}
    assert texts[("hello", "sv")].startswith("Hej") and texts[("hello", "en")].startswith("Hi")


def test_the_chats_language_comes_first(uow):
    assert listed(uow, "sv")[:3] == [("checking", "sv"), ("closing", "sv"), ("hello", "sv")]
    assert listed(uow, "en")[3:] == [("checking", "sv"), ("closing", "sv"), ("hello", "sv")]


def test_add_change_and_remove_commit_with_the_unit_of_work(uow):
    with uow:
        added = uow.canned_replies.add(CannedReplyInput(
            " /Invoice ", "sv", "  Faktura   fråga ", "Vilket fakturanummer?\r\n<b>tack</b>"), "adam")
    with uow:
        row = uow.canned_replies.get(added.id)
        assert (row.shortcut, row.title, row.text, row.updated_by) == (
            "invoice", "Faktura fråga", "Vilket fakturanummer?\n<b>tack</b>", "adam")
        uow.canned_replies.change(added.id, CannedReplyInput("invoice", "en", "Invoice", "Which?"), "eva")
    with uow:
        row = uow.canned_replies.get(added.id)
        assert (row.language, row.text, row.updated_by) == ("en", "Which?", "eva")
        assert uow.canned_replies.remove(added.id).shortcut == "invoice"
    with uow:
        assert uow.canned_replies.get(added.id) is None
        assert uow.canned_replies.remove(added.id) is None
        assert uow.canned_replies.change(added.id, CannedReplyInput("x", "en", "X", "x"), "eva") is None


def test_an_error_rolls_the_change_back(uow):
    with pytest.raises(RuntimeError):
        with uow:
            uow.canned_replies.add(CannedReplyInput("later", "en", "Later", "Talk later"), "adam")
            raise RuntimeError("something after it failed")
    assert ("later", "en") not in listed(uow)


@pytest.mark.parametrize("shortcut, language, title, text, problem", [
    ("", "en", "T", "x", "shortcut"),
    ("two words", "en", "T", "x", "shortcut"),
    ("x" * 33, "en", "T", "x", "shortcut"),
    ("ok", "de", "T", "x", "language"),
    ("ok", "en", "   ", "x", "title"),
    ("ok", "en", "T" * 101, "x", "title"),
    ("ok", "en", "T", " \n ", "text"),
    ("ok", "en", "T", "x" * 4001, "text"),
])
def test_bad_input_is_refused_with_words_for_the_admin(uow, shortcut, language, title, text, problem):
    with pytest.raises(InvalidCannedReply, match=f"(?i){problem}"):
        with uow:
            uow.canned_replies.add(CannedReplyInput(shortcut, language, title, text), "adam")
    assert len(listed(uow)) == 6


def test_a_shortcut_has_one_text_per_language(uow):
    with pytest.raises(InvalidCannedReply, match="already has a sv text"):
        with uow:
            uow.canned_replies.add(CannedReplyInput("hello", "sv", "Hej igen", "Hej!"), "adam")
    with uow:
        english = next(r for r in uow.canned_replies.all() if (r.shortcut, r.language) == ("hello", "en"))
    with pytest.raises(InvalidCannedReply, match="already has a sv text"):
        with uow:
            uow.canned_replies.change(english.id, CannedReplyInput("hello", "sv", "Hej", "Hej!"), "adam")
    with uow:  # its own shortcut and language again: no clash with itself
        uow.canned_replies.change(english.id, CannedReplyInput("hello", "en", "Hi", "Hi!"), "adam")
    assert len(listed(uow)) == 6
