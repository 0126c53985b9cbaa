"""Speed fixes for Rasa 3.6 that keep its behaviour, applied by bot/rasa_server.py.

Rasa 3.6 is the last open-source release, so these cannot go upstream.  Each one is
measured (README "Measured") and tested (tests/test_rasa_patches.py).

1. Every custom action's reply is checked against Rasa's JSON schema with
   ``jsonschema.validate``, which first re-checks the schema itself and builds a new
   validator on every call: a third of the Rasa server's CPU under load (py-spy).
   The patch checks the schema once and reuses one validator: same errors, same order
   of preference (``best_match``), same message.
2. The model graph is run node by node (bot/graph_runner.py) instead of through dask's
   scheduler, which cost about a fifth of every parse and prediction.
"""
from __future__ import annotations

import functools
from typing import Any, Dict, Text

import jsonschema
from jsonschema.exceptions import best_match


@functools.lru_cache(maxsize=1)
def action_response_validator() -> Any:
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def validate_action_result(self: Any, result: Dict[Text, Any]) -> bool:
    """Drop-in for RemoteAction._validate_action_result with a reused validator."""
    from rasa.core.actions.action import DOCS_BASE_URL

    error = best_match(action_response_validator().iter_errors(result))
    if error is not None:
        error.message += (
            ". Failed to validate Action server response from API, "
            "make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit {DOCS_BASE_URL}/custom-actions"
        )
        raise error
    return True


def apply() -> None:
    import rasa.core.processor
    from rasa.core.actions.action import RemoteAction

    from bot.graph_runner import SequentialGraphRunner

    RemoteAction._validate_action_result = validate_action_result
    # The processor loads the model with the runner class it imported.
    rasa.core.processor.DaskGraphRunner = SequentialGraphRunner
