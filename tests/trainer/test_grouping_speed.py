"""The NLU inbox's pure functions were made fast for aged databases (thousands of
messages a request); each fast form is compared here with the plain form it replaced,
on random inputs, so the inbox shows exactly what it showed before."""
from __future__ import annotations

import random
import string

from bot.nlu.vocabulary import build_vocabulary, has_no_known_word, is_known
from bot.trainer.text import group_near_duplicates, ngrams, normalise, similarity


def plain_grouping(items, threshold=0.6):
    """group_near_duplicates as it was: every group's representative compared."""
    groups, signatures, by_text = [], [], {}
    for item in items:
        key = normalise(item)
        if key in by_text:
            groups[by_text[key]].append(item)
            continue
        grams = ngrams(item)
        best, best_score = -1, threshold
        for index, signature in enumerate(signatures):
            score = similarity(grams, signature)
            if score >= best_score:
                best, best_score = index, score
        if best < 0:
            groups.append([item])
            signatures.append(grams)
            best = len(groups) - 1
        else:
            groups[best].append(item)
        by_text[key] = best
    return groups


def plain_is_known(word, vocabulary):
    """is_known as it was: the word compared with every known word."""
    def one_edit_apart(a, b):
        if abs(len(a) - len(b)) > 1:
            return False
        if len(a) > len(b):
            a, b = b, a
        i = 0
        while i < len(a) and a[i] == b[i]:
            i += 1
        return a[i + (len(a) == len(b)):] == b[i + 1:]

    if word in vocabulary:
        return True
    return len(word) >= 3 and any(len(k) >= 2 and one_edit_apart(word, k) for k in vocabulary)


def _texts(rng, count):
    stems = ["account 1930 is not active", "kontot är inte aktivt", "export failed again",
             "the period is closed", "perioden är låst", "why is voucher red", "hej", "va?"]
    texts = []
    for _ in range(count):
        text = rng.choice(stems)
        for _ in range(rng.randint(0, 3)):
            position = rng.randrange(len(text) + 1)
            text = text[:position] + rng.choice(string.ascii_lowercase + " åäö0") + text[position + 1:]
        texts.append(text)
    return texts


def test_grouping_is_what_comparing_every_group_gave():
    rng = random.Random(7)
    for threshold in (0.0, 0.3, 0.6, 0.9):
        texts = _texts(rng, 400)
        assert group_near_duplicates(texts, lambda t: t, threshold) == plain_grouping(texts, threshold)


def test_known_words_are_what_comparing_every_known_word_gave():
    rng = random.Random(11)
    vocabulary = build_vocabulary(_texts(rng, 60) + ["jättebra tack", "hallå", "ja nej"])
    letters = "abcdefghijklmnopqrstuvwxyzåäö"
    words = [w for text in _texts(rng, 300) for w in text.split()]
    words += ["".join(rng.choice(letters) for _ in range(rng.randint(1, 8))) for _ in range(500)]
    for word in words:
        assert is_known(word, vocabulary) == plain_is_known(word, vocabulary), word
    assert has_no_known_word("qqqq zzzz", vocabulary) and not has_no_known_word("acount", vocabulary | {"account"})
