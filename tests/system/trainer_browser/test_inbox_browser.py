"""A trainer works through the NLU inbox in Chromium; an agent sees insights only."""
from playwright.sync_api import expect

from tests.support.trainer_data import FLAGGED_EN, LOW_SV, MASKED_STORED, UNSURE_EN, UNSURE_EN_NEAR
from tests.system.trainer_browser.conftest import sign_in


def item(page, text):
    return page.locator("section.inbox-item", has=page.locator("p.text", has_text=text))


def test_a_trainer_accepts_relabels_and_dismisses(page, served):
    sign_in(page, served.base_url, "tove")
    expect(page).to_have_url(served.base_url + "/console/training/inbox")
    expect(page.get_by_role("heading", name="NLU inbox")).to_be_visible()
    unsure = item(page, UNSURE_EN)
    expect(unsure).to_contain_text("2 messages in 2 conversations")
    expect(unsure.locator(".variants")).to_contain_text(UNSURE_EN_NEAR)
    expect(unsure.locator(".reason")).to_have_text(["fell back"])

    unsure.get_by_role("button", name="Accept as export_failed").click()
    expect(page.locator(".flash.ok")).to_contain_text(f"Added \u201c{UNSURE_EN}\u201d to en.yml as export_failed")
    expect(item(page, UNSURE_EN)).to_have_count(0)
    assert f"    - {UNSURE_EN}\n" in (served.project.nlu_dir / "en.yml").read_text(encoding="utf-8")

    swedish = item(page, LOW_SV)
    swedish.get_by_role("combobox").select_option("export_failed")
    swedish.get_by_role("button", name="Relabel").click()
    expect(page.locator(".flash.ok")).to_contain_text("to sv.yml as export_failed")
    assert f"    - {LOW_SV}\n" in (served.project.nlu_dir / "sv.yml").read_text(encoding="utf-8")

    masked = item(page, MASKED_STORED)
    expect(masked).to_contain_text("cannot become a training example")
    expect(masked.get_by_role("button", name="Relabel")).to_have_count(0)
    masked.get_by_role("button", name="Dismiss").click()
    expect(page.locator(".flash.ok")).to_contain_text("Dismissed")
    expect(item(page, MASKED_STORED)).to_have_count(0)

    # Decisions stay: a fresh load shows none of them again.
    page.reload()
    for text in (UNSURE_EN, LOW_SV, MASKED_STORED):
        expect(item(page, text)).to_have_count(0)
    expect(item(page, FLAGGED_EN)).to_have_count(1)
    page.screenshot(path=str(served.project.root / "inbox.png"), full_page=True)


def test_adding_a_duplicate_by_hand_is_refused_with_the_reason(page, served):
    sign_in(page, served.base_url, "tove")
    form = page.locator("form", has=page.get_by_role("button", name="Add example"))
    form.get_by_label("Text").fill("Account 1930 is not active")
    form.get_by_label("Intent").select_option("period_closed")
    form.get_by_role("button", name="Add example").click()
    expect(page.locator(".flash.error")).to_contain_text("Another intent has this example: account_not_active")


def test_an_agent_sees_insights_with_charts_but_not_the_inbox(page, served):
    sign_in(page, served.base_url, "anna", "/console/training/insights")
    expect(page.get_by_role("heading", name="Insights")).to_be_visible()
    nav = page.get_by_role("navigation", name="Console")
    expect(nav.get_by_role("link", name="Insights")).to_be_visible()
    expect(nav.get_by_role("link", name="NLU inbox")).to_have_count(0)
    for image in page.locator("img[data-chart]").all():
        image.scroll_into_view_if_needed()
        expect(image).to_have_js_property("complete", True)
        assert image.evaluate("img => img.naturalWidth") > 300
    response = page.goto(served.base_url + "/console/training/inbox")
    assert response.status == 403


def test_the_models_page_follows_a_running_job(page, served):
    import fcntl

    from bot.trainer.registry import write_json

    served.project.registry_dir.mkdir(parents=True, exist_ok=True)
    status_file = served.project.registry_dir / "job.json"
    with open(served.project.registry_dir / "train.lock", "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        write_json(status_file, {"state": "training", "progress": 10, "by": "tove",
                                 "message": "Training: DIET epochs 10 %"})
        sign_in(page, served.base_url, "tove", "/console/training/models")
        expect(page.locator("#job-percent")).to_have_text("10 %")
        expect(page.get_by_role("button", name="Retrain now")).to_have_count(0)
        write_json(status_file, {"state": "evaluating", "progress": 75, "by": "tove",
                                 "message": "Evaluating the new and the current model"})
        expect(page.locator("#job-percent")).to_have_text("75 %")
        expect(page.locator("#job-message")).to_have_text("Evaluating the new and the current model")
        write_json(status_file, {"state": "done", "progress": 100, "by": "tove",
                                 "message": "Not deployed: en: accuracy fell"})
    # Done: the page reloads itself and offers the next run.
    expect(page.get_by_role("button", name="Retrain now")).to_be_visible(timeout=10_000)
    expect(page.locator("#job-message")).to_have_text("Not deployed: en: accuracy fell")
