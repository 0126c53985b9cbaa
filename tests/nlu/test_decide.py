"""Fix, "Is it A or B?" or not understood, from the classifier's ranking (bot/nlu/decide.py)."""
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.confidence_gate import ConfidenceGate
from bot.nlu.decide import CLARIFY, INTENT, NOT_UNDERSTOOD, Decision, Thresholds, decide
from bot.nlu.guard import clean_for_nlu
from bot.nlu.personal_data import only_personal_data
from bot.settings import settings

T = Thresholds(fix=0.6, intent=0.5, margin=0.2, floor=0.5)


def ranking(*pairs):
    return [{"name": name, "confidence": confidence} for name, confidence in pairs]


def test_a_confident_error_gets_its_fix():
    assert decide(ranking(("period_closed", 0.9), ("export_failed", 0.05)), T) == Decision(
        INTENT, "period_closed")


def test_two_close_errors_make_a_question_with_both():
    decision = decide(ranking(("account_not_active", 0.45), ("period_closed", 0.4),
                              ("greet", 0.1)), T)
    assert decision == Decision(CLARIFY, choices=("account_not_active", "period_closed"))


def test_no_fix_below_the_fix_confidence():
    assert decide(ranking(("period_closed", 0.55), ("greet", 0.2)), T).kind == NOT_UNDERSTOOD


def test_two_close_weak_errors_are_not_understood():
    assert decide(ranking(("period_closed", 0.2), ("invalid_characters", 0.15)), T).kind == (
        NOT_UNDERSTOOD)


def test_other_intents_follow_rasas_fallback_rule():
    assert decide(ranking(("greet", 0.7), ("thank", 0.1)), T) == Decision(INTENT, "greet")
    assert decide(ranking(("greet", 0.45), ("thank", 0.1)), T).kind == NOT_UNDERSTOOD
    assert decide(ranking(("greet", 0.55), ("thank", 0.45)), T).kind == NOT_UNDERSTOOD
    assert decide([], T).kind == NOT_UNDERSTOOD


def test_the_thresholds_are_settings():
    thresholds = Thresholds.from_settings(settings({"FIX_CONFIDENCE": "0.8", "CLARIFY_MARGIN": "0.3"}))
    assert (thresholds.fix, thresholds.margin) == (0.8, 0.3)


def test_personal_data_alone_is_recognised_after_masking():
    for text in ("mitt personnummer är 19121212-1212",
                 "my card is 4111 1111 1111 1111 and my phone 070-123 45 67",
                 "ring mig på 0701234567", "anna@example.com"):
        assert only_personal_data(clean_for_nlu(text, 2000)), text
    for text in ("kontot 1930 är inte aktivt, mitt personnummer är 19121212-1212",
                 "Account 1930 is not active", "hej"):
        assert not only_personal_data(clean_for_nlu(text, 2000)), text


def gated(text, *pairs):
    message = Message(data={"text": clean_for_nlu(text, 2000),
                            "intent": {"name": pairs[0][0], "confidence": pairs[0][1]},
                            "intent_ranking": ranking(*pairs)})
    ConfidenceGate(T).gate(message)
    return message


def test_the_gate_never_lets_personal_data_alone_through_to_a_fix():
    message = gated("mitt personnummer är 19121212-1212", ("period_closed", 0.99))
    assert message.get("intent")["name"] == "nlu_fallback"
    assert message.get("personal_data_only") is True
    assert message.get("intent_ranking")[1]["name"] == "period_closed"  # kept for reviewers


def test_the_gate_marks_the_two_errors_to_ask_between():
    message = gated("export fails, something about 1930", ("account_not_active", 0.45),
                    ("period_closed", 0.4))
    assert message.get("intent")["name"] == "nlu_fallback"
    assert message.get("clarify") == ["account_not_active", "period_closed"]


def test_the_gate_keeps_a_confident_intent():
    message = gated("Account 1930 is not active", ("account_not_active", 0.95), ("greet", 0.01))
    assert message.get("intent")["name"] == "account_not_active" and not message.get("clarify")


def test_personal_data_with_a_greeting_is_still_a_greeting():
    message = gated("hej, jag heter Eva och mitt nummer är 073-555 12 34", ("greet", 0.9),
                    ("thank", 0.05))
    assert message.get("intent")["name"] == "greet" and not message.get("personal_data_only")
    message = gated("you can reach me at erik@example.com", ("request_human", 0.95))
    assert message.get("intent")["name"] == "nlu_fallback" and message.get("personal_data_only")


def test_numbers_privacy_keeps_but_that_identify_someone_count_as_personal_data():
    for text in ("card number 5555 4444 3333 1111 exp 09/27", "our organisation number is 559123-4567",
                 "org nr 556036-0793",  # a valid one, masked as [organisation number]
                 "account holder: Maria Lind, SE72 8000 0810 3400 0123 4567"):
        assert only_personal_data(clean_for_nlu(text, 2000)), text
    for text in ("error code 2000663", "period locked 2024-12-31", "konto 1930"):
        assert not only_personal_data(clean_for_nlu(text, 2000)), text


def test_the_parse_keeps_the_text_as_written_for_the_actions():
    from bot.nlu.guard import UNMASKED_TEXT

    message = Message(data={"text": clean_for_nlu("sure: anna@example.se", 2000),
                            UNMASKED_TEXT: "sure: anna@example.se",
                            "intent": {"name": "affirm", "confidence": 0.9},
                            "intent_ranking": ranking(("affirm", 0.9))})
    assert message.get("text") == "sure: [e-mail]"  # what the classifier read
    ConfidenceGate(T).gate(message)
    assert message.get("text") == "sure: anna@example.se"
