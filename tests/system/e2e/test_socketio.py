"""The socket.io channel, as the web widget uses it, with a real socket.io client."""
import uuid

from tests.support.customers import SocketCustomer


def socket_customer(rasa_url: str, session_id: str) -> SocketCustomer:
    """The widget's socket, without the page's language (the channel decides)."""
    return SocketCustomer(rasa_url, session_id, read_timeout=30)


async def test_conversation_survives_a_reconnect_with_the_same_session(rasa_url):
    session_id = uuid.uuid4().hex
    first = socket_customer(rasa_url, session_id)
    await first.connect()
    await first.say("Account 1930 is not active")
    messages = await first.read_until("Did that fix it?")
    assert any("account 1930" in (m.get("text") or "") for m in messages), messages
    question = messages[-1]
    assert [q["payload"] for q in question["quick_replies"]] == ["/affirm", "/deny"]
    await first.client.disconnect()

    # Reloading the page: a new connection that asks for the same session.
    second = socket_customer(rasa_url, session_id)
    await second.connect()
    await second.say("/deny")
    messages = await second.read_until("support team")
    assert "passed this conversation" in messages[-1]["text"]
    await second.client.disconnect()


async def test_two_customers_do_not_see_each_others_answers(rasa_url):
    alice, bob = socket_customer(rasa_url, uuid.uuid4().hex), socket_customer(rasa_url, uuid.uuid4().hex)
    await alice.connect()
    await bob.connect()
    await alice.say("Account 1111 is not active")
    await bob.say("Account 2222 is not active")
    alice_messages = await alice.read_until("Did that fix it?")
    bob_messages = await bob.read_until("Did that fix it?")
    assert "2222" not in str(alice_messages) and "1111" in str(alice_messages)
    assert "1111" not in str(bob_messages) and "2222" in str(bob_messages)
    await alice.client.disconnect()
    await bob.client.disconnect()


async def test_a_guessable_session_id_is_replaced_by_a_random_one(rasa_url):
    customer = socket_customer(rasa_url, "1")
    confirmed = []
    customer.client.on("session_confirm", lambda sid: (confirmed.append(sid),
                                                       customer.confirmed.set()))
    await customer.connect()
    assert confirmed and confirmed[0] != "1" and len(confirmed[0]) >= 16
    await customer.client.disconnect()


async def test_a_socket_cannot_write_into_someone_elses_conversation(rasa_url):
    victim, intruder = socket_customer(rasa_url, uuid.uuid4().hex), socket_customer(rasa_url, uuid.uuid4().hex)
    await victim.connect()
    await intruder.connect()
    # The intruder sends into the victim's conversation id: nothing happens anywhere.
    await intruder.client.emit("user_uttered", {"message": "Account 6666 is not active",
                                                "session_id": victim.session_id})
    await victim.say("Account 1111 is not active")
    messages = await victim.read_until("Did that fix it?")
    assert "6666" not in str(messages)
    assert intruder.received.empty()
    await victim.client.disconnect()
    await intruder.client.disconnect()
