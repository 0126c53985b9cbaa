"""The trained model on the held-out test set: a floor for accuracy, and no wrong fixes.

The figures themselves are printed by `make eval`; this test keeps a regression from
landing.  A fallback ("please paste the error") is an acceptable miss; a confident
wrong error is not, because the customer would get the wrong fix.
"""
import pytest

from bot.catalogue import load_catalogue
from bot.trainer.evaluation import FALLBACK, evaluate
from bot.ops.launcher import MODEL_PATH
from tests.support.assistants import require_trained_model

ACCURACY_FLOOR = 0.90
PER_LANGUAGE_FLOOR = 0.88


@pytest.fixture(scope="module")
def evaluation():
    require_trained_model()
    return evaluate(MODEL_PATH)


def test_held_out_accuracy(evaluation):
    assert evaluation.accuracy >= ACCURACY_FLOOR, evaluation.errors


def test_both_languages_are_understood(evaluation):
    for language, (correct, total) in evaluation.by_language.items():
        assert correct / total >= PER_LANGUAGE_FLOOR, (language, correct, total)


def test_no_message_gets_the_fix_for_another_error(evaluation):
    error_intents = set(load_catalogue().intents)
    wrong_fixes = [
        e for e in evaluation.errors
        if e["predicted"] in error_intents and e["predicted"] != FALLBACK
    ]
    assert wrong_fixes == []
