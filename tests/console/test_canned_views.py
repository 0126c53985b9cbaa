"""Canned replies in the console (Flask test client, SQLite and PostgreSQL): admins manage
them, agents and trainers cannot, every form needs its CSRF token, text stays text."""
from __future__ import annotations

import pytest

from bot.storage.annotations import AuditRepository
from bot.storage.unit_of_work import UnitOfWork

NEW = {"shortcut": "/Invoice", "language": "sv", "title": "Fakturanummer",
       "text": "Vilket **fakturanummer** gäller det?\n1. Öppna fakturan\n<script>alert(1)</script>"}


def stored(console):
    with UnitOfWork(console.databases.sessions) as uow:
        return {(r.shortcut, r.language): r for r in uow.canned_replies.all()}


def audited(console):
    with console.databases.sessions() as session:
        return [(e.username, e.action, e.detail.get("shortcut")) for e in AuditRepository(session).recent(50)
                if e.action.startswith("canned_reply")]


def test_admins_list_add_edit_and_delete(console_both):
    console = console_both
    console.sign_in("adam")
    page = console.get("/console/canned-replies").get_data(as_text=True)
    assert "/hello" in page and "Hej, tack för att du väntade!" in page and "Canned replies</a>" in page

    added = console.post("/console/canned-replies", NEW)
    assert added.status_code == 302
    reply = stored(console)[("invoice", "sv")]
    assert reply.text == NEW["text"] and reply.updated_by == "adam"
    page = console.get("/console/canned-replies").get_data(as_text=True)
    # Shown as the customer will read it: formatted, escaped first.
    assert "Vilket <strong>fakturanummer</strong> gäller det?" in page and "<li>Öppna fakturan</li>" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page

    form = console.get(f"/console/canned-replies/{reply.id}").get_data(as_text=True)
    assert 'value="invoice"' in form and "&lt;script&gt;" in form
    saved = console.post(f"/console/canned-replies/{reply.id}", {**NEW, "language": "en", "text": "Which invoice?"})
    assert saved.status_code == 302
    assert stored(console)[("invoice", "en")].text == "Which invoice?"

    assert console.post(f"/console/canned-replies/{reply.id}/delete").status_code == 302
    assert ("invoice", "en") not in stored(console)
    again = console.post(f"/console/canned-replies/{reply.id}/delete")
    assert again.status_code == 302
    assert "deleted already" in console.get("/console/canned-replies").get_data(as_text=True)
    assert console.get(f"/console/canned-replies/{reply.id}").status_code == 404
    assert console.post(f"/console/canned-replies/{reply.id}", NEW).status_code == 404
    assert audited(console) == [("adam", "canned_reply_deleted", "invoice"),
                                ("adam", "canned_reply_changed", "invoice"),
                                ("adam", "canned_reply_created", "invoice")]


def test_bad_input_is_answered_and_what_was_typed_is_kept(console_both):
    console = console_both
    console.sign_in("adam")
    refused = console.post("/console/canned-replies", {**NEW, "shortcut": "two words"})
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "A shortcut is 1-32 lower-case letters" in page
    assert 'value="two words"' in page and "Vilket **fakturanummer** gäller det?" in page
    clash = console.post("/console/canned-replies", {**NEW, "shortcut": "hello"})
    assert clash.status_code == 400 and "/hello already has a sv text" in clash.get_data(as_text=True)
    hello = stored(console)[("hello", "en")]
    edit = console.post(f"/console/canned-replies/{hello.id}", {**NEW, "shortcut": "hello", "title": ""})
    assert edit.status_code == 400 and "A title is 1-100 characters" in edit.get_data(as_text=True)
    assert stored(console)[("hello", "en")].title == "Greeting" and len(stored(console)) == 6
    assert audited(console) == []


@pytest.mark.parametrize("user", ["anna", "tove"])
def test_agents_and_trainers_cannot_manage_them(console_both, user):
    console = console_both
    hello = stored(console)[("hello", "en")]
    console.sign_in(user)
    assert console.get("/console/canned-replies").status_code == 403
    assert console.get(f"/console/canned-replies/{hello.id}").status_code == 403
    assert console.post("/console/canned-replies", NEW).status_code == 403
    assert console.post(f"/console/canned-replies/{hello.id}", NEW).status_code == 403
    assert console.post(f"/console/canned-replies/{hello.id}/delete").status_code == 403
    assert "Canned replies</a>" not in console.get("/console/agent/").get_data(as_text=True)
    assert stored(console)[("hello", "en")].text == hello.text and len(stored(console)) == 6


def test_every_form_needs_the_csrf_token(console_both):
    console = console_both
    hello = stored(console)[("hello", "en")]
    console.sign_in("adam")
    for url, data in (("/console/canned-replies", NEW), (f"/console/canned-replies/{hello.id}", NEW),
                      (f"/console/canned-replies/{hello.id}/delete", {})):
        assert console.post(url, data, csrf=False).status_code == 403
        assert console.post(url, {**data, "csrf_token": "forged"}, csrf=False).status_code == 403
    assert stored(console)[("hello", "en")].text == hello.text and len(stored(console)) == 6
