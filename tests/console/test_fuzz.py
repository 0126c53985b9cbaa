"""Fuzzing the console's endpoints with hypothesis: whatever a signed-in user (or a
stranger) sends, no 500 and no crash."""
from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

FUZZ = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])
ANY_TEXT = st.text(max_size=60)
FILTER_PARAMS = ["page", "from", "to", "error", "language", "escalated", "resolved",
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
