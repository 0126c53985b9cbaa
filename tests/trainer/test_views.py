"""The trainers' console pages: roles, CSRF, inbox decisions, models, insights, charts."""
import fcntl
import re

import pytest

from bot.trainer.registry import Registry, write_json
from tests.support.trainer_data import FLAGGED_EN, LOW_SV, MASKED_STORED, UNSURE_EN


def item_id(page: str, text: str) -> str:
    match = re.search(r'data-item="(\w+)"[^>]*>\s*<p class="text"[^>]*>' + re.escape(text), page)
    assert match, text
    return match.group(1)


@pytest.mark.parametrize("user,trainer_pages,insights", [("anna", 403, 200), ("tove", 200, 200), ("adam", 200, 200)])
def test_roles(console, user, trainer_pages, insights):
    console.sign_in(user)
    for url in ("/console/training/inbox", "/console/training/models", "/console/training/api/job",
                "/console/training/api/inbox"):
        assert console.get(url).status_code == trainer_pages, url
    assert console.get("/console/training/insights").status_code == insights
    assert console.get("/console/training/chart.png?name=conversations").status_code == insights
    if trainer_pages == 403:
        for url in ("/console/training/retrain", "/console/training/rollback", "/console/training/inbox/decide",
                    "/console/training/examples"):
            assert console.post(url).status_code == 403, url
    nav = console.get("/console/conversations").get_data(as_text=True)
    assert ("NLU inbox" in nav) == (trainer_pages == 200) and "Insights" in nav


def test_without_a_session_nothing_answers(console):
    assert console.get("/console/training/inbox").status_code == 302
    assert console.get("/console/training/chart.png?name=errors").status_code == 302
    assert console.get("/console/training/api/job").status_code == 401
    assert console.client.post("/console/training/inbox/decide", data={"item": "x"}).status_code == 401


def test_the_inbox_page_and_its_decisions(console, project):
    console.sign_in("tove")
    page = console.get("/console/training/inbox").get_data(as_text=True)
    for text in (UNSURE_EN, LOW_SV, FLAGGED_EN, MASKED_STORED):
        assert text in page
    assert "Accept as export_failed" in page
    masked = item_id(page, MASKED_STORED)
    assert "cannot become a training example" in page.split(f'data-item="{masked}"')[1].split("</section>")[0]

    # Without the CSRF token nothing happens.
    unsure = item_id(page, UNSURE_EN)
    assert console.post("/console/training/inbox/decide", {"item": unsure, "action": "accept"},
                        csrf=False).status_code == 403
    assert UNSURE_EN not in (project.nlu_dir / "en.yml").read_text(encoding="utf-8")

    response = console.post("/console/training/inbox/decide", {"item": unsure, "action": "accept"})
    assert response.status_code == 302
    assert f"    - {UNSURE_EN}\n" in (project.nlu_dir / "en.yml").read_text(encoding="utf-8")
    page = console.get("/console/training/inbox").get_data(as_text=True)
    assert "Added \u201c" + UNSURE_EN in page and f'data-item="{unsure}"' not in page

    low = item_id(page, LOW_SV)
    console.post("/console/training/inbox/decide", {"item": low, "action": "relabel", "intent": "export_failed"})
    assert f"    - {LOW_SV}\n" in (project.nlu_dir / "sv.yml").read_text(encoding="utf-8")

    refused = console.post("/console/training/inbox/decide", {"item": masked, "action": "relabel",
                                                              "intent": "request_human"})
    assert refused.status_code == 302
    assert "masked personal data" in console.get("/console/training/inbox").get_data(as_text=True)
    console.post("/console/training/inbox/decide", {"item": masked, "action": "dismiss"})
    page = console.get("/console/training/inbox").get_data(as_text=True)
    assert "Dismissed \u201c" + MASKED_STORED in page and f'data-item="{masked}"' not in page

    console.sign_in("adam")
    audit = console.get("/console/audit").get_data(as_text=True)
    assert "inbox accept" in audit and "inbox relabel" in audit and "inbox dismiss" in audit


def test_adding_an_example_by_hand(console, project):
    console.sign_in("tove")
    console.post("/console/training/examples", {"text": "the export icon is red and angry", "intent": "export_failed",
                                                "language": ""})
    assert "    - the export icon is red and angry\n" in (project.nlu_dir / "en.yml").read_text(encoding="utf-8")
    console.post("/console/training/examples", {"text": "Account 1930 is not active", "intent": "export_failed"})
    assert "Another intent has this example: account_not_active" in console.get(
        "/console/training/inbox").get_data(as_text=True)


def test_models_page_shows_the_comparison_and_job_progress(console, project):
    registry = Registry(project)
    old = registry.create(source="trained", by="tove", fingerprint="x")
    old.model.write_bytes(b"old")
    new = registry.create(source="trained", by="tove", fingerprint="y")
    new.model.write_bytes(b"new")
    evaluation = {"accuracy": 0.9, "by_language": {"en": [9, 10], "sv": [9, 10]}}
    write_json(new.path / "evaluation.json", evaluation)
    write_json(new.path / "comparison.json", {
        "passed": False, "reasons": ["sv: accuracy fell from 95.0 % to 90.0 %."], "accuracy": [0.95, 0.9],
        "languages": [{"name": "sv", "before": [19, 20], "after": [18, 20]}],
        "intents": [{"name": "greet", "before": [10, 10], "after": [9, 10]}],
        "new_wrong_fixes": [], "current_model": old.id})
    registry.save_state({"current": old.id, "previous": []})
    write_json(registry.root / "job.json", {"state": "done", "progress": 100, "by": "tove",
                                           "message": "Not deployed: sv fell"})
    console.sign_in("tove")
    page = console.get("/console/training/models").get_data(as_text=True)
    assert "Refused: " in page and "sv: accuracy fell from 95.0 % to 90.0 %." in page
    assert re.search(r'data-language="sv">.*?95.0 %.*?90.0 %.*?-5.0', page, re.S)
    assert 'class="current-model"' in page and "Retry" not in page and "Retrain now" in page
    assert console.get("/console/training/api/job").json["message"] == "Not deployed: sv fell"

    # While a job holds the lock: no second one, and the page polls.
    with open(registry.root / "train.lock", "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        write_json(registry.root / "job.json", {"state": "training", "progress": 40, "message": "Training: DIET epochs 50 %"})
        page = console.get("/console/training/models").get_data(as_text=True)
        assert 'data-running="yes"' in page and 'value="40"' in page and "progress.js" in page
        console.post("/console/training/retrain")
        assert "already running" in console.get("/console/training/models").get_data(as_text=True)
    assert console.get("/console/training/progress.js").mimetype == "text/javascript"


def test_rollback_from_the_console(console, project):
    registry = Registry(project)
    first = registry.create(source="trained", fingerprint="aaaa")
    first.model.write_bytes(b"first")
    second = registry.create(source="trained", fingerprint="bbbb")
    second.model.write_bytes(b"second")
    registry.save_state({"current": second.id, "previous": [first.id]})
    console.sign_in("tove")
    assert f"Roll back to {first.id}" in console.get("/console/training/models").get_data(as_text=True)
    console.post("/console/training/rollback")
    assert registry.state() == {"current": first.id, "previous": []}
    assert project.current_model.read_bytes() == b"first"
    assert project.fingerprint_file.read_text().strip() == "aaaa"
    console.post("/console/training/rollback")
    assert "no earlier model" in console.get("/console/training/models").get_data(as_text=True)


def test_insights_page_flags_a_spike_at_the_top(console):
    import random
    import time

    from bot.ops.sample_data import Conversation, store

    made = []
    for n in range(6):
        c = Conversation(f"spike-{n:04d}", time.time() - 3600 * (n + 1), "sv", random.Random(n))
        c.error_turn("invalid_refresh_token")
        made.append(c)
    store(console.databases, made)
    console.sign_in("anna")
    page = console.get("/console/training/insights").get_data(as_text=True)
    content = page.split("<main>")[1]
    assert content.index('data-spike="invalid_refresh_token"') < content.index("<h1>Insights</h1>")
    assert "at least 3 times its daily average" in page
    # No history: the spike is new, not "against 0.0 a day"; the error is named by its title.
    spike = content.split('data-spike="invalid_refresh_token"')[1].split("</div>")[0]
    assert "New:" in spike and "0.0 a day" not in spike and "Unusual" not in spike
    from bot.trainer.insights import error_title

    assert error_title("invalid_refresh_token") in spike
    for name in ("conversations", "containment", "fallback", "escalations", "errors", "confusion"):
        assert f'chart.png?name={name}"' in page
        response = console.get(f"/console/training/chart.png?name={name}")
        assert response.status_code == 200 and response.mimetype == "image/png"
        assert response.data[:4] == b"\x89PNG"
    assert console.get("/console/training/chart.png?name=nope").status_code == 404


def test_retrain_starts_the_job_in_its_own_process(console, project, monkeypatch):
    import bot.trainer.jobs as jobs_module

    started = []

    class FakePopen:
        def __init__(self, argv, **kwargs):
            started.append((argv, kwargs))

    monkeypatch.setattr(jobs_module.subprocess, "Popen", FakePopen)
    console.sign_in("tove")
    assert console.post("/console/training/retrain").status_code == 302
    (argv, kwargs), = started
    assert argv[1:] == ["-m", "bot.ops.trainer", "--root", str(project.root), "retrain", "--by", "tove", "--quiet"]
    assert kwargs["start_new_session"] is True
    status = console.get("/console/training/api/job").json
    assert status["state"] == "starting" and status["by"] == "tove"
    assert 'data-running="yes"' in console.get("/console/training/models").get_data(as_text=True)


def section(page: str, item: str) -> str:
    return page.split(f'data-item="{item}"')[1].split("</section>")[0]


def test_the_inbox_filters_search_sort_and_pages(console):
    console.sign_in("tove")
    page = console.get("/console/training/inbox?reason=low+confidence&language=sv").get_data(as_text=True)
    assert LOW_SV in page and UNSURE_EN not in page and FLAGGED_EN not in page
    assert '<option value="low confidence" selected' in page and '<option value="sv" selected' in page
    page = console.get("/console/training/inbox?q=triangle").get_data(as_text=True)
    assert FLAGGED_EN in page and LOW_SV not in page and 'value="triangle"' in page
    page = console.get("/console/training/inbox?predicted=export_failed&sort=newest").get_data(as_text=True)
    assert page.index(FLAGGED_EN) < page.index(UNSURE_EN) and LOW_SV not in page
    page = console.get("/console/training/inbox?language=de&date_from=soon").get_data(as_text=True)
    assert "language: en or sv" in page and UNSURE_EN in page  # explained, then ignored
    # Pages of 50: a page past the end says so, and the JSON API takes the same filter.
    page = console.get("/console/training/inbox?page=9").get_data(as_text=True)
    assert UNSURE_EN not in page and "Page 9" in page
    api = console.get("/console/training/api/inbox?reason=flagged").get_json()
    assert [i["text"] for i in api["items"]] == [FLAGGED_EN] and api["total"] == 1


def test_the_filter_is_kept_across_a_decision(console):
    console.sign_in("tove")
    query = "reason=fell+back&sort=newest&q=mail"
    page = console.get(f"/console/training/inbox?{query}").get_data(as_text=True)
    masked = item_id(page, MASKED_STORED)
    action = re.search(r'action="(/console/training/inbox/decide\?[^"]*)"', section(page, masked)).group(1)
    assert all(part in action.replace("&amp;", "&").split("?")[1].split("&") for part in query.split("&"))
    response = console.post(f"/console/training/inbox/decide?{query}", {"item": masked, "action": "dismiss"})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert "/console/training/inbox?" in location
    assert all(part in location for part in ("reason=fell+back", "sort=newest", "q=mail"))


def test_keyboard_mash_defaults_to_dismiss(console, project):
    from tests.support.trainer_data import MASH_EN, seed_mash

    seed_mash(console.databases)
    console.sign_in("tove")
    page = console.get("/console/training/inbox").get_data(as_text=True)
    mash = section(page, item_id(page, MASH_EN))
    assert "Accept as" not in mash and "no known word" in mash.lower()
    # Dismiss is the primary button; the intent must be chosen (no guess preselected).
    assert re.search(r'<button type="submit" class="primary"[^>]*>Dismiss</button>', mash)
    choice = mash.split('name="intent"')[1].split("</select>")[0]
    assert "required" in choice and not re.search(r'<option value="\w+" selected', choice)
    # A real message keeps "Accept as" as its primary action.
    unsure = section(page, item_id(page, UNSURE_EN))
    assert re.search(r'<button type="submit" class="primary"[^>]*>Accept as export_failed</button>', unsure)
    refused = console.post("/console/training/inbox/decide", {"item": item_id(page, MASH_EN), "action": "accept"})
    assert refused.status_code == 302
    assert MASH_EN not in (project.nlu_dir / "en.yml").read_text(encoding="utf-8")
    assert "no word" in console.get("/console/training/inbox").get_data(as_text=True)


def test_a_long_number_is_refused_over_http(console, project):
    from tests.support.trainer_data import NUMBER_EN, seed_number

    seed_number(console.databases)
    console.sign_in("tove")
    page = console.get("/console/training/inbox").get_data(as_text=True)
    number = item_id(page, NUMBER_EN)
    before = {name: (project.nlu_dir / name).read_text(encoding="utf-8") for name in ("en.yml", "sv.yml")}
    for form in ({"action": "accept"}, {"action": "relabel", "intent": "export_failed"}):
        response = console.post("/console/training/inbox/decide", {"item": number, **form})
        assert response.status_code == 302
        shown = console.get("/console/training/inbox").get_data(as_text=True)
        assert "Not added: The message may hold personal data: it holds a number of 8 digits" in shown
        assert f'data-item="{number}"' in shown  # still there, to be dismissed
    response = console.post("/console/training/examples", {"text": "My IBAN is SE4550000000058398257466 thanks",
                                                           "intent": "request_human", "language": "en"})
    assert response.status_code == 302
    assert "personal data: it holds personal data ([iban])" in console.get(
        "/console/training/inbox").get_data(as_text=True)
    assert before == {name: (project.nlu_dir / name).read_text(encoding="utf-8") for name in ("en.yml", "sv.yml")}


def test_the_clean_wording_form_is_beside_its_masked_item(console, project):
    console.sign_in("tove")
    page = console.get("/console/training/inbox").get_data(as_text=True)
    masked = section(page, item_id(page, MASKED_STORED))
    assert 'action="/console/training/examples' in masked and 'name="text"' in masked
    response = console.post("/console/training/examples?language=en",
                            {"text": "please mail me about the export", "intent": "request_human"})
    assert response.status_code == 302 and "language=en" in response.headers["Location"]
    assert "    - please mail me about the export\n" in (project.nlu_dir / "en.yml").read_text(encoding="utf-8")
