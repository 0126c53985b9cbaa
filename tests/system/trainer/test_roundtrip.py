"""The whole round trip, with one real training (about 2 minutes in all): a customer's
message the assistant did not understand appears in the inbox, a trainer relabels it, it
lands in the Swedish or English training file, a model is trained on a copy of the
project's data, evaluated beside the current model, put into the "running" assistant
(a stand-in for Rasa's HTTP API that records the PUT /model) if it is not worse, and the
new model classifies the message as relabelled."""
import asyncio
import http.server
import json
import random
import shutil
import threading
import time

import pytest

from bot.console.databases import Databases
from bot.ops.sample_data import Conversation, store
from bot.ops.launcher import MODEL_PATH
from bot.settings import PROJECT_ROOT, settings
from bot.ops.trainer import comparison_text
from bot.trainer.evaluation import load_examples
from bot.trainer.inbox import Inbox
from bot.trainer.jobs import Jobs
from bot.trainer.registry import Registry
from tests.support.assistants import require_trained_model
from tests.support.databases import create_events_table
from tests.support.trainer_data import copy_project

# The current model falls back on it (its guess: export_failed, 0.47).
CUSTOMER_TEXT = "the little red triangle sits next to every purchase"
RELABELLED = "receipt_not_connected"


class FakeRasa(http.server.BaseHTTPRequestHandler):
    received: list = []

    def do_PUT(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        FakeRasa.received.append((self.path, json.loads(body)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def round_trip(tmp_path_factory):
    require_trained_model()
    root = tmp_path_factory.mktemp("roundtrip")
    (root / "project").mkdir()
    project = copy_project(root / "project")
    shutil.copy2(MODEL_PATH, project.current_model)
    shutil.copy2(PROJECT_ROOT / "models" / "current.fingerprint", project.fingerprint_file)
    repository_data = {p: p.read_bytes() for p in (PROJECT_ROOT / "data").rglob("*.yml")}

    tracker = f"sqlite:///{root / 'tracker.db'}"
    create_events_table(tracker)
    databases = Databases.open(f"sqlite:///{root / 'assistant.db'}", tracker)
    conversation = Conversation("roundtrip-customer-0001", time.time() - 600, "en", random.Random(1))
    conversation.fallback_user(CUSTOMER_TEXT, best_guess="export_failed", guess=0.47)
    store(databases, [conversation])

    # Port 0: the OS chooses a free port as the stand-in binds it.
    server = http.server.HTTPServer(("127.0.0.1", 0), FakeRasa)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    config = settings({"RASA_API_TOKEN": "round-trip-token", "RASA_PORT": str(server.server_port)})
    timings = {}
    try:
        with databases.sessions() as session:
            inbox = Inbox(session, databases.tracker, project)
            item = next(i for i in inbox.items() if i.text == CUSTOMER_TEXT)
            added = inbox.decide(item, "relabel", "tove", intent=RELABELLED)
            session.commit()
            left = [i.text for i in inbox.items()]
        progress = []
        started = time.monotonic()
        result = Jobs(project, config).retrain("tove", progress.append)
        timings["retrain"] = time.monotonic() - started
        yield {"project": project, "item": item, "added": added, "left": left, "result": result,
               "progress": progress, "timings": timings, "repository_data": repository_data}
    finally:
        server.shutdown()
        server.server_close()
        databases.dispose()


def test_the_message_was_in_the_inbox_and_is_now_training_data(round_trip):
    item, added = round_trip["item"], round_trip["added"]
    assert item.reasons == ["fell back"] and item.predicted == "export_failed"
    assert added.path == round_trip["project"].nlu_dir / "en.yml" and added.intent == RELABELLED
    source = added.path.read_text(encoding="utf-8")
    block = source.split(f"- intent: {RELABELLED}\n")[1].split("- intent:")[0]
    assert block.endswith(f"    - {CUSTOMER_TEXT}\n")
    assert source.startswith("# English NLU training data")  # comments kept
    assert CUSTOMER_TEXT not in round_trip["left"]


def test_the_repositorys_data_files_are_untouched(round_trip):
    for path, content in round_trip["repository_data"].items():
        assert path.read_bytes() == content, path


def test_training_showed_progress_and_the_comparison_was_made(round_trip):
    result, progress = round_trip["result"], round_trip["progress"]
    states = [p["state"] for p in progress]
    assert states[0] == "training" and "evaluating" in states and states[-1] == "done"
    training = [p["progress"] for p in progress if p["state"] == "training"]
    # Monotonic, up to the end of training (the epochs themselves are skipped when Rasa's
    # training cache already has this data: a second run of this test).
    percents = [p["training"] for p in progress if p["state"] == "training"]
    assert training == sorted(training) and percents[-1] == 100 and training[-1] == 75
    log = round_trip["result"].entry.log.read_text(encoding="utf-8", errors="replace")
    if "Epochs:" in log:
        assert 0 < max(percents[:-1]) <= 100
    comparison = result.entry.comparison
    assert comparison["current_model"] is not None and comparison["accuracy"][0] is not None
    assert {row["name"] for row in comparison["languages"]} == {"en", "sv"}
    # Every intent labelled in the held-out sets (personal_data.yml adds the fallback).
    labelled = {intent for _, intent, _ in load_examples(PROJECT_ROOT / "tests" / "nlu")}
    assert {row["name"] for row in comparison["intents"]} == labelled
    print(comparison_text(comparison))
    print(f"retrain (train + 2 evaluations + deploy): {round_trip['timings']['retrain']:.0f} s")


def test_deployed_if_and_only_if_the_gate_passed(round_trip):
    result, project = round_trip["result"], round_trip["project"]
    assert result.deployed == result.gate.passed
    registry = Registry(project)
    if result.deployed:
        assert FakeRasa.received == [("/model?token=round-trip-token",
                                      {"model_file": str(result.entry.model.resolve())})]
        assert project.current_model.read_bytes() == result.entry.model.read_bytes()
        assert project.fingerprint_file.read_text().strip() == project.fingerprint()
        assert registry.state()["current"] == result.entry.id
        assert len(registry.state()["previous"]) == 1
    else:
        assert FakeRasa.received == []
        assert registry.state()["current"] != result.entry.id


def test_the_new_model_classifies_the_message_as_relabelled(round_trip):
    from rasa.core.agent import Agent

    async def parse():
        agent = Agent.load(str(round_trip["result"].entry.model))
        return await agent.parse_message(CUSTOMER_TEXT)

    parsed = asyncio.run(parse())
    assert parsed["intent"]["name"] == RELABELLED, parsed["intent_ranking"][:3]
