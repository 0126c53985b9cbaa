"""What the launcher, nginx and the Rasa processes agree on about action calls.

Kept apart from bot/runtime/in_process_actions.py, which imports Rasa (a second of
start-up), so the launcher and nginx's config can read them without it.
"""
from __future__ import annotations

import json

# endpoints.yml's key under action_endpoint that names the package of actions the Rasa
# process runs itself (bot/runtime/in_process_actions.py) instead of calling a URL.
PACKAGE_KEY = "actions_package"
# The reply a failed action call gets, so the customer reads that something went wrong
# and is offered a person, never silence (utter_action_server_down in domain.yml): nginx
# answers it when the action server fails (bot/ops/balancer.py), the Rasa process when an
# action it runs raises.
ACTION_FAILED_REPLY = {"events": [], "responses": [{"response": "utter_action_server_down"}]}
ACTION_FAILED_BODY = json.dumps(ACTION_FAILED_REPLY)
