"""Fuzzing the REST webhook with hypothesis: whatever arrives, no 5xx, no crash."""
import json
import random

import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.customers import RestCustomer

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children,
                                                                       max_size=4),
    max_leaves=12,
)
SENDER = st.one_of(st.text(max_size=40), st.from_regex(r"[A-Za-z0-9_-]{16,40}", fullmatch=True))
BODIES = st.one_of(
    st.binary(max_size=300),
    JSON.map(lambda value: json.dumps(value).encode()),
    st.fixed_dictionaries(
        {"sender": SENDER, "message": st.one_of(st.text(max_size=300), JSON)},
        optional={"metadata": JSON},
    ).map(lambda value: json.dumps(value).encode()),
)
FUZZ = settings(max_examples=120, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


@FUZZ
@given(body=BODIES)
def test_webhook_never_fails_with_a_server_error(assistant, rasa_url, body):
    response = requests.post(
        f"{rasa_url}/webhooks/rest/webhook", data=body, timeout=30,
        headers={"Content-Type": "application/json",
                 "X-Real-IP": f"192.0.2.{random.randint(1, 254)}"},
    )
    assert response.status_code < 500, (body[:200], response.status_code, response.text[:200])


def test_still_answers_after_the_fuzzing(assistant, rasa_url):
    assert "account 1930" in RestCustomer(rasa_url).say_text("Account 1930 is not active")
