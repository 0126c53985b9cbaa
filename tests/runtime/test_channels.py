"""The socket.io output (bot/runtime/channels.py): it notices the assistant handing the
chat to a person, so the widget's header changes at once."""
from bot.runtime.channels import HandoffSocketIOOutput


class RecordingSio:
    def __init__(self):
        self.emitted = []

    async def emit(self, event, data, room=None):
        self.emitted.append((event, data, room))


async def test_the_escalation_answer_marks_the_handoff_as_changed():
    output = HandoffSocketIOOutput(RecordingSio(), "bot_uttered")
    await output.send_response("conv-1", {"text": "Did that fix it?", "utter_action": "utter_ask_fix_worked"})
    assert output.sent == 1 and not output.handoff_changed
    for response in ("utter_handoff_waiting", "utter_already_escalated"):
        output = HandoffSocketIOOutput(RecordingSio(), "bot_uttered")
        await output.send_response("conv-1", {"text": "A person will join", "utter_action": response})
        assert output.sent == 1 and output.handoff_changed
