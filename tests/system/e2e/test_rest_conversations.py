"""Whole conversations through the REST channel, against the real servers and model."""

from bot.storage.unit_of_work import UnitOfWork
from tests.system.e2e.conftest import buttons_of, dump


def tickets_for(assistant, sender):
    with UnitOfWork.for_database(assistant.env_for_tests["DATABASE_URL"]) as uow:
        return uow.tickets.tickets_for(sender)


def test_account_not_active_then_no_escalates_with_a_ticket(assistant, customer):
    messages = customer.say("it says account 1930 is not active??")
    text = "\n".join(m.get("text", "") for m in messages)
    assert "Find account 1930, make it active" in text, dump(messages)
    assert "\n1. " in text and "\n2. " in text
    assert [b["payload"] for b in buttons_of(messages)] == ["/affirm", "/deny"]

    messages = customer.say("/deny")
    text = "\n".join(m.get("text", "") for m in messages)
    assert "passed this conversation to our support team" in text, dump(messages)

    [ticket] = tickets_for(assistant, customer.sender)
    assert f"case {ticket.id}" in text
    assert ticket.status == "open" and ticket.reason == "fix_did_not_work"
    assert ticket.detected_error == "account_not_active"
    assert ticket.extracted_values == {"account": "1930"}
    assert ticket.steps_given == ["account_not_active"]
    assert ticket.recent_messages == ["it says account 1930 is not active??"]
    assert ticket.language == "en"


def test_swedish_paste_gets_swedish_steps_and_yes_ends_politely(assistant, customer):
    text = customer.say_text("Fel vid export: Verifikationsserien är inte manuell (F).")
    assert "Kontrollera att verifikationsserie F finns" in text, text
    assert "Löste det problemet?" in text
    text = customer.say_text("ja, nu funkar det!")
    assert "Vad bra att det fungerar igen" in text, text
    assert tickets_for(assistant, customer.sender) == []


def test_pasted_json_body_with_code(assistant, customer):
    text = customer.say_text(
        '{"ErrorInformation": {"error": 1, "message": "Har inte beh\\u00f6righet f\\u00f6r scope.",'
        ' "code": 2000663}}'
    )
    assert "systemadministratör" in text, text


def test_period_closed_with_date_and_system(assistant, customer):
    text = customer.say_text("Fortnox har låst perioden t.o.m. 2024-12-31. Lås upp perioden för att fortsätta.")
    assert "Ange ett nytt bokföringsdatum efter 2024-12-31" in text, text
    assert "låst i Fortnox" in text


def test_unnamed_failure_asks_where_the_message_is_and_offers_the_eight(assistant, customer):
    messages = customer.say("my exports dont work")
    text = "\n".join(m.get("text", "") for m in messages)
    assert "top of the transaction details" in text, dump(messages)
    payloads = [b["payload"] for b in buttons_of(messages)]
    assert len(payloads) == 8 and "/receipt_not_connected" in payloads
    text = customer.say_text("/receipt_not_connected")
    assert "Mark as exported" in text, text


def test_asking_for_a_human_at_any_point(assistant, customer):
    customer.say("hi")
    text = customer.say_text("can I talk to a real person please")
    assert "passed this conversation to our support team" in text, text
    # Nobody is on duty here: one account of what happens next, then the e-mail question.
    assert "Nobody from support can answer live right now: a person will answer" in text, text
    assert "e-mail address" in text and "join this chat" not in text, text
    [ticket] = tickets_for(assistant, customer.sender)
    assert ticket.reason == "customer_asked"
    text = customer.say_text("hello? a human please")
    assert "already with our support team" in text, text
    assert "a person will answer" in text and "as soon as one is free" not in text, text
    assert len(tickets_for(assistant, customer.sender)) == 1


def test_the_greeting_is_the_banks_automated_assistant(assistant, customer):
    text = customer.say_text("/greet")
    assert text.startswith("Hi! I'm Nordea's automated assistant"), text


def test_two_misunderstood_messages_in_a_row_escalate(assistant, customer):
    first = customer.say_text("qwxz vbnm plok")
    assert "didn't understand" in first, first
    second = customer.say_text("zzkj hhhq wpow")
    assert "pass you to a person" in second, second
    assert "passed this conversation" in second
    [ticket] = tickets_for(assistant, customer.sender)
    assert ticket.reason == "not_understood"


def test_out_of_scope_says_what_it_does_and_offers_a_person(assistant, customer):
    messages = customer.say("what is the interest rate on my business loan?")
    text = "\n".join(m.get("text", "") for m in messages)
    assert "I can only help with transactions" in text, dump(messages)
    assert "/request_human" in [b["payload"] for b in buttons_of(messages)]


def test_unknown_accounting_error_is_not_passed_off_as_one_of_the_eight(assistant, customer):
    text = customer.say_text("Fel vid export: Kunde inte hitta konto (2001304)")
    assert "Jag kan bara hjälpa till" in text, text


def test_a_question_about_a_step_right_after_the_fix_gets_that_step(assistant, customer):
    customer.say_text("my export to fortnox fails, something about account 1930")
    text = customer.say_text("where do I find the chart of accounts in fortnox?")
    assert "This is the step you are asking about" in text, text
    assert "open the chart of accounts" in text and "I can only help" not in text


def test_a_swedish_customer_pasting_an_english_error_gets_swedish_steps(assistant, customer):
    customer.say_text("hej")
    text = customer.say_text("jag får There is no active license for the requested scope, vad gör jag?")
    assert "Försök exportera igen" in text, text


def test_personal_data_alone_gets_no_fix(assistant, customer):
    text = customer.say_text("mitt personnummer är 19121212-1212")
    assert "Skicka inte personuppgifter" in text, text
    assert "bokföringsdatum" not in text


def test_conversations_are_stored_in_the_tracker_store(assistant, customer):
    from sqlalchemy import create_engine, text

    customer.say("Account 4010 is not active")
    engine = create_engine(assistant.env_for_tests["TRACKER_STORE_URL"], future=True)
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT type_name, intent_name, action_name FROM events "
                 "WHERE sender_id = :s ORDER BY id"), {"s": customer.sender}
        ).all()
    assert ("user", "account_not_active", None) in rows
    assert any(row.action_name == "action_give_fix" for row in rows)
