"""Fuzzing the console's endpoints with hypothesis: whatever a signed-in user (or a
stranger) sends, no 500 and no crash."""
from urllib.parse import quote

import pytest

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

FUZZ = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])
ANY_TEXT = st.text(max_size=60)
FILTER_PARAMS = ["page", "date_from", "date_to", "confidence_below", "from", "to", "error", "language", "escalated", "resolved",
                 "fell_back", "max_confidence", "tag", "reviewed", "q", "per_page"]
LISTS = ["/console/conversations", "/console/api/conversations",
         "/console/conversations.csv", "/console/conversations.jsonl", "/console/audit"]
POSTS = ["tags", "tags/remove", "notes", "review"]


@FUZZ
@given(path=st.sampled_from(LISTS),
       params=st.dictionaries(st.sampled_from(FILTER_PARAMS), ANY_TEXT, max_size=6))
def test_list_filters(console, path, params):
    console.sign_in("adam")
    response = console.get(path, query_string=params)
    assert response.status_code < 500, (path, params)


@FUZZ
@given(conversation=ANY_TEXT, suffix=st.sampled_from(["", "/story.yml"]),
       api=st.booleans())
def test_conversation_pages(console, conversation, suffix, api):
    console.sign_in("tove")
    base = "/console/api/conversations/" if api and not suffix else "/console/conversations/"
    response = console.get(base + quote(conversation, safe="") + suffix)
    assert response.status_code < 500, conversation


@FUZZ
@given(action=st.sampled_from(POSTS), conversation=ANY_TEXT,
       form=st.dictionaries(st.sampled_from(["tag", "note", "reviewed", "text"]), ANY_TEXT,
                            max_size=3),
       with_csrf=st.booleans())
def test_annotation_posts(console, action, conversation, form, with_csrf):
    console.sign_in("anna")
    url = f"/console/conversations/{quote(conversation, safe='') or 'x'}/{action}"
    response = console.post(url, form, csrf=with_csrf)
    assert response.status_code < 500, (url, form)


@FUZZ
@given(form=st.dictionaries(st.sampled_from(["username", "password", "role", "action",
                                              "current_password", "new_password"]),
                            ANY_TEXT, max_size=4),
       path=st.sampled_from(["/console/users", "/console/users/1", "/console/users/99999",
                             "/console/account", "/console/login"]))
def test_admin_and_account_forms(console, form, path):
    if path != "/console/login":
        console.sign_in("adam")
    response = console.post(path, form)
    assert response.status_code < 500, (path, form)


# The outside probe's parameters (issue 14 item 9): each a clear 4xx, never a 500,
# on SQLite and PostgreSQL (whose integers overflow where SQLite's do not).
HUGE = str(10 ** 30)
BAD_PARAMETERS = [
    ("get", "/console/conversations?date_to=9999-12-31"),
    ("get", "/console/conversations?date_from=0001-01-01"),
    ("get", "/console/api/conversations?date_to=9999-12-31"),
    ("get", "/console/conversations.csv?date_to=9999-12-31"),
    ("get", "/console/conversations.jsonl?date_from=0001-01-01"),
    ("get", "/console/training/inbox?date_to=9999-12-31"),
    ("get", "/console/training/api/inbox?date_from=0001-01-01"),
    ("get", f"/console/api/agent/chats/x/messages?after={HUGE}"),
    ("post", "/console/agent/follow-ups/close"),
]


@pytest.mark.parametrize("method, url", BAD_PARAMETERS)
def test_the_probes_bad_parameters_get_a_4xx(console, method, url):
    console.sign_in("adam")
    if method == "get":
        response = console.get(url)
    else:
        response = console.client.post(url, data={"ticket": HUGE, "reason": "spam"},
                                       headers={"Accept": "application/json",
                                                "X-CSRF-Token": console.csrf()})
    assert 400 <= response.status_code < 500, (url, response.status_code)


@pytest.mark.parametrize("url", ["/console/agent/", "/console/conversations",
                                 "/console/training/inbox", "/console/api/conversations"])
def test_a_huge_page_number_is_the_last_page_not_an_error(console, url):
    console.sign_in("adam")
    assert console.get(url, query_string={"page": HUGE}).status_code == 200
