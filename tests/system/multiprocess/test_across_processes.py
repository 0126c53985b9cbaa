"""Pause and delivery do not depend on one Rasa process's memory."""
from __future__ import annotations

from tests.support.agents import Agent
from tests.support.customers import SocketCustomer
from tests.support.assistants import AssistantPorts
from tests.system.multiprocess.conftest import ADMIN_PASSWORD


def agent(ports: AssistantPorts) -> Agent:
    admin = Agent(ports.pages_url, "admin", ADMIN_PASSWORD)
    admin.set_duty(True)
    return admin


async def test_an_agent_on_one_process_talks_to_a_socket_on_the_other(two_processes: AssistantPorts):
    staff = agent(two_processes)
    customer = await SocketCustomer(two_processes.rasa_process_url(1), language="en").connect()
    conversation = customer.session_id
    await customer.say("Account 1930 is not active")
    await customer.read_until("Did that fix it?")
    await customer.say("/deny")
    await customer.read_until("join this chat")

    # The pause is in the tracker store: process 2 keeps quiet too.
    elsewhere = await SocketCustomer(two_processes.rasa_process_url(2), conversation, language="en").connect()
    await elsewhere.say("hello? anyone?")
    assert await elsewhere.nothing_for(3) == []
    await elsewhere.close()

    # The console calls process 2; the customer's socket is in process 1.
    assert staff.claim(conversation).status_code == 302
    joined = await customer.read_until("joined the chat")
    assert joined[-1]["agent"] == {"name": "Admin"}
    assert staff.reply(conversation, "Hello from process two").status_code == 302
    [reply] = await customer.read_until("Hello from process two")
    assert reply["agent"] == {"name": "Admin"}
    await customer.say("got it, thanks")
    assert await customer.nothing_for(2) == []
    texts = [m["text"] for m in staff.messages(conversation)["messages"]]
    assert "hello? anyone?" in texts and "got it, thanks" in texts

    assert staff.post(staff.chat_path(conversation) + "/hand-back").status_code == 302
    await customer.read_until("I'm back")
    await customer.say("Account 1930 is not active")  # process 1 answers again
    await customer.read_until("Did that fix it?")
    await customer.close()
