"""The keyboard-mash check as the Rasa component runs it on every message."""
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.unknown_words import FALLBACK_INTENT, UnknownWordsFallback
from bot.nlu.vocabulary import build_vocabulary, has_no_known_word


class CountingVocabulary(set):
    """A vocabulary that counts the passes over all its words (a lookup is not one)."""

    def __init__(self, words):
        super().__init__(words)
        self.passes = 0

    def __iter__(self):
        self.passes += 1
        return super().__iter__()


WORDS = build_vocabulary(["account 1930 is not active", "kontot är inte aktivt", "hello"])


def test_a_message_with_a_known_word_is_decided_without_a_pass_over_the_vocabulary():
    vocabulary = CountingVocabulary(WORDS)
    assert not has_no_known_word("hello, acount 1930 not actve", vocabulary)
    assert vocabulary.passes == 0


def test_the_component_reads_its_vocabulary_once_not_per_message():
    vocabulary = CountingVocabulary(WORDS)
    component = UnknownWordsFallback(None, None, vocabulary)
    vocabulary.passes = 0
    messages = [Message(data={"text": text})
                for text in ["zzkj hhhq wpow", "acount not actve", "qwxz vbnm plok"]]
    component.process(messages)
    assert vocabulary.passes == 0
    assert [m.get("intent", {}).get("name") for m in messages] == [
        FALLBACK_INTENT, None, FALLBACK_INTENT]
