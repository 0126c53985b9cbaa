"""The trained model on every held-out set together (issue 13).

No message may get the fix of another error, and no message of personal data alone may get
a fix.  "Is it A or B?" and "please paste the error" are misses (they count against
accuracy), never wrong fixes.  The figures themselves, per language and per set, are
printed by `make eval`; README "Evaluation" has them.

The target is 97 % in each language (issue 13); this model reaches en 98.4 %, sv 98.6 % with
FIX_CONFIDENCE (README "Evaluation"), so a model that drops below it fails here.
"""
import pytest

from bot.trainer.evaluation import evaluate
from bot.ops.launcher import MODEL_PATH
from tests.support.assistants import require_trained_model

ACCURACY_FLOOR = 0.97
PER_LANGUAGE_FLOOR = 0.97


@pytest.fixture(scope="module")
def evaluation():
    require_trained_model()
    return evaluate(MODEL_PATH)


def test_held_out_accuracy(evaluation):
    assert evaluation.accuracy >= ACCURACY_FLOOR, evaluation.errors


def test_both_languages_are_understood(evaluation):
    for language, (correct, total) in evaluation.by_language.items():
        assert correct / total >= PER_LANGUAGE_FLOOR, (language, correct, total, evaluation.errors)


def test_no_message_gets_the_fix_for_another_error(evaluation):
    assert evaluation.wrong_fixes == 0, evaluation.errors


def test_personal_data_alone_never_gets_a_fix(evaluation):
    assert evaluation.personal_data_fixes == 0, evaluation.errors
