"""Live handoff: a person from support takes over a chat, in the customer's own widget.

- ``hours``: the support team's opening hours, and when a customer can expect an answer;
- ``service``: the ticket's state machine (waiting → claimed → resolved / handed back, or
  open for follow-up), the agent inbox's queries and the agents' duty switch;
- ``rasa_api``: how the pages process pauses, resumes and writes into a conversation
  through Rasa's HTTP API (stored in the tracker, delivered to the widget);
- ``responses``: the domain's responses rendered outside Rasa (notices written by the
  console), in the conversation's language;
- ``watcher``: the pages process's background check for chats nobody claimed in time.
"""
