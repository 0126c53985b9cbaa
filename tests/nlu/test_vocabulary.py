import pytest

from bot.nlu.vocabulary import (
    build_vocabulary,
    has_no_known_word,
    has_nothing_to_read,
    is_known,
    looks_like_keyboard_mash,
    vocabulary_trigrams,
)

VOCABULARY = build_vocabulary([
    "account 1930 is not active", "kontot är inte aktivt", "yes", "ja", "nej", "hello",
    "tjena", "tack så mycket", "jättebra", "hallå",
])
TRIGRAMS = vocabulary_trigrams(VOCABULARY)


@pytest.mark.parametrize("text", ["qwxz vbnm plok", "zzkj hhhq wpow", "asdfgh"])
def test_keyboard_mash_has_no_known_word(text):
    assert has_no_known_word(text, VOCABULARY)


@pytest.mark.parametrize("text", ["acount 1930 not actve", "hello!!", "kontot", "yess", "nejj",
                                  "jaa"])
def test_typos_of_known_words_are_known(text):
    assert not has_no_known_word(text, VOCABULARY)


@pytest.mark.parametrize("text", ["", "1930", "???", "🙂"])
def test_a_message_without_words_is_not_judged_here(text):
    assert not has_no_known_word(text, VOCABULARY)


def test_two_letter_words_need_an_exact_match():
    assert not is_known("jo", VOCABULARY) and is_known("ja", VOCABULARY)


@pytest.mark.parametrize("text", ["tjenare", "jättetack", "halloj"])
def test_slang_built_from_known_letter_sequences_is_not_mash(text):
    assert has_no_known_word(text, VOCABULARY)
    assert not looks_like_keyboard_mash(text, VOCABULARY, TRIGRAMS)


@pytest.mark.parametrize("text", ["qwxz vbnm plok", "zzkj hhhq wpow", "xcvb"])
def test_mash_is_mash(text):
    assert looks_like_keyboard_mash(text, VOCABULARY, TRIGRAMS)


@pytest.mark.parametrize("text", ["🙂🙂🙂", "<>", "???", "{{{"])
def test_symbols_alone_give_the_classifier_nothing_to_read(text):
    assert has_nothing_to_read(text)


@pytest.mark.parametrize("text", ["", "   ", "1930", "ok 🙂", "2000663", "<img src=x>"])
def test_a_letter_or_digit_is_something_to_read(text):
    assert not has_nothing_to_read(text)
