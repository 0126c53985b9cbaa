"""Live handoff: a person from support takes over a chat, in the customer's own widget.

- ``hours``: the support team's opening hours (read from the settings in one place), and
  when a customer can expect an answer;
- ``lifecycle``: a ticket's life as a state machine (escalate to waiting or open, claim,
  reply, hand back, resolve, time out, the contact e-mail), on a unit of work;
- ``inbox``: what the agent inbox and the widget read (the lists, one ticket, messages);
- ``agents``: the agents' first names and duty switch;
- ``errors``: ``HandoffError``, what the services raise, in words for the agent;
- ``rasa_api``: how the pages process pauses, resumes and writes into a conversation
  through Rasa's HTTP API (stored in the tracker, delivered to the widget);
- ``responses``: the domain's responses rendered outside Rasa (notices written by the
  console), in the conversation's language;
- ``watcher``: the pages process's background check for chats nobody claimed in time
  (the console starts it).
"""
