"""bot/ops/thresholds.py: the outcome of each held-out message under given thresholds, and the
report the thresholds in bot/settings.py are chosen from (no model needed: rows by hand)."""
from bot.nlu.decide import Thresholds
from bot.ops.thresholds import Row, outcome, report


def ranked(*pairs):
    return [{"name": name, "confidence": confidence} for name, confidence in pairs]


SURE = Row("en", "period_closed", ranked(("period_closed", 0.95), ("account_not_active", 0.02)), None, "en")
WRONG = Row("sv", "export_failed", ranked(("receipt_not_connected", 0.85), ("export_failed", 0.1)), None, "sv")
PASTED = Row("sv", "account_not_active", ranked(("account_not_active", 1.0)), "account_not_active", "sv")
PERSONAL = Row("personal_data", "nlu_fallback", ranked(("goodbye", 0.99)), "nlu_fallback", "en")


def test_a_fix_for_another_error_is_a_wrong_fix_only_above_the_fix_threshold():
    assert outcome(WRONG, Thresholds(fix=0.8)) == "wrong fix"
    assert outcome(WRONG, Thresholds(fix=0.9)) == "miss"
    assert outcome(SURE, Thresholds(fix=0.9)) == "right"


def test_close_errors_are_a_question_not_a_fix():
    close = Row("en", "period_closed", ranked(("period_closed", 0.5), ("account_not_active", 0.45)), None)
    assert outcome(close, Thresholds(fix=0.3)) == "clarify"


def test_what_the_classifier_was_not_asked_about_keeps_its_intent():
    # a verbatim error text is certain; personal data alone is "not understood" (right)
    assert outcome(PASTED, Thresholds(fix=0.99)) == "right"
    assert outcome(PERSONAL, Thresholds(fix=0.3)) == "right"


def test_not_understood_is_right_for_a_message_labelled_so():
    unsure = Row("personal_data", "nlu_fallback", ranked(("account_not_active", 0.78)), None)
    assert outcome(unsure, Thresholds(fix=0.9)) == "right"
    assert outcome(unsure, Thresholds(fix=0.7)) == "wrong fix"


def test_the_report_lists_confident_wrong_errors_and_accuracy_per_language():
    text = report([SURE, WRONG, PASTED, PERSONAL], Thresholds(fix=0.9))
    assert "0.850 export_failed -> receipt_not_connected" in text
    rows = [line.split() for line in text.splitlines()]
    at_08 = next(r for r in rows if r[:1] == ["0.8"])
    at_09 = next(r for r in rows if r[:1] == ["0.9"])
    assert at_08[1:5] == ["3", "1", "0", "0"] and at_08[5:] == ["100.0", "50.0"]
    assert at_09[1:5] == ["3", "0", "0", "1"]
