"""The intent names code and tests agree on: the contract and the fallback.

The contract is the set of intents the domain declares and the model is trained on
(README "How it understands a message"); the eight error intents among them are the
catalogue's (errors.yml), the rest are the conversation's own.  ``nlu_fallback`` is
Rasa's name for "not understood", given by FallbackClassifier and by our components.
"""
from __future__ import annotations

FALLBACK_INTENT = "nlu_fallback"

ERROR_INTENTS = (
    "invalid_refresh_token", "voucher_series_not_manual", "account_not_active",
    "missing_voucher_permission", "no_active_license", "invalid_characters",
    "receipt_not_connected", "period_closed",
)
CONVERSATION_INTENTS = (
    "export_failed", "request_human", "greet", "goodbye", "thank", "affirm", "deny",
    "out_of_scope",
)
# In the order the domain lists them.
CONTRACT_INTENTS = ERROR_INTENTS + CONVERSATION_INTENTS
