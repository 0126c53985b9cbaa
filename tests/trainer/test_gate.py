"""The gate: a worse model is refused and the current one stays; evaluations are real
``bot.trainer.evaluation.score()`` results of crafted predictions (no second training)."""
import http.server
import json
import socket
import threading

import pytest

from bot.trainer.evaluation import score
from bot.settings import settings
from bot.trainer.deploy import Deployer, ProcessResult, put_model
from bot.trainer.gate import compare, evaluation_dict
from bot.trainer.jobs import JobRunning, Jobs, training_progress
from bot.trainer.registry import Registry, write_json

HELD_OUT = [  # (language, expected, text)
    ("en", "account_not_active", "account 1930 inactive"),
    ("en", "period_closed", "period is locked"),
    ("en", "greet", "hello"),
    ("en", "invalid_refresh_token", "refresh token broken"),
    ("sv", "account_not_active", "kontot är inaktivt"),
    ("sv", "period_closed", "perioden är låst"),
    ("sv", "greet", "hej"),
    ("sv", "invalid_refresh_token", "kopplingen bruten"),
]


def evaluation(wrong=(), fallback=()):
    """Every held-out message right except ``wrong`` {text: predicted} and ``fallback``."""
    predictions = []
    for language, expected, text in HELD_OUT:
        predicted = wrong.get(text) if text in dict(wrong) else ("nlu_fallback" if text in fallback else expected)
        predictions.append((language, expected, text, predicted, 0.9))
    return evaluation_dict(score(predictions))


ERRORS = {"account_not_active", "period_closed", "invalid_refresh_token"}


def test_better_or_equal_passes():
    current = evaluation(fallback={"hej", "hello"})
    assert compare(evaluation(fallback={"hello"}), current, ERRORS).passed
    assert compare(current, current, ERRORS).passed
    assert compare(current, None, ERRORS).passed


def test_lower_accuracy_is_refused():
    result = compare(evaluation(fallback={"hello", "hej"}), evaluation(fallback={"hello"}), ERRORS)
    assert not result.passed
    assert any("accuracy fell" in r for r in result.reasons)
    assert result.accuracy == (7 / 8, 6 / 8)
    greet = next(r for r in result.intents if r.name == "greet")
    assert (greet.before, greet.after) == ([1, 2], [0, 2])


def test_a_language_drop_is_refused_even_when_the_total_is_the_same():
    current = evaluation(fallback={"hello"})
    candidate = evaluation(fallback={"hej"})
    result = compare(candidate, current, ERRORS)
    assert result.accuracy[0] == result.accuracy[1]
    assert not result.passed
    assert result.reasons == ["sv: accuracy fell from 100.0 % to 75.0 %."]


def test_a_new_wrong_fix_is_refused_even_when_accuracy_rises():
    current = evaluation(fallback={"hello", "hej", "perioden är låst"})
    candidate = evaluation(wrong={"period is locked": "account_not_active"})
    result = compare(candidate, current, ERRORS)
    assert result.accuracy[1] > result.accuracy[0]
    assert not result.passed
    assert result.new_wrong_fixes == [
        {"language": "en", "text": "period is locked", "predicted": "account_not_active"}]
    # A wrong fix the current model already gives is not new; a wrong non-error intent is no fix.
    assert compare(candidate, candidate, ERRORS).passed
    assert compare(evaluation(wrong={"hello": "goodbye"}), evaluation(wrong={"hello": "goodbye"}), ERRORS).passed


class Recorder(Deployer):
    def __init__(self, registry, config):
        super().__init__(registry, config, put=self._put)
        self.puts = []

    def _put(self, port, token, model):
        self.puts.append((port, token, model))
        return ProcessResult(port, "loaded")


def fake_job(project, candidate, current, monkeypatch):
    """A Jobs whose training copies a stand-in model and whose evaluations are given."""
    registry = Registry(project)
    project.current_model.write_bytes(b"the current model")
    project.fingerprint_file.write_text("0123456789abcdef\n")
    # Nothing listens on RASA_PORT: the Recorder stands in for the HTTP calls.
    config = settings({"RASA_API_TOKEN": "tok", "RASA_PORT": "6105"})
    jobs = Jobs(project, config, Recorder(registry, config))

    def train(entry, status, on_progress):
        entry.model.write_bytes(b"a new model")

    def evaluate(entry):
        result = candidate if entry.meta.get("source") == "trained" else current
        write_json(entry.path / "evaluation.json", result)
        return result

    monkeypatch.setattr(jobs, "_train", train)
    monkeypatch.setattr(jobs, "evaluate", evaluate)
    return jobs


def test_the_job_refuses_a_worse_model_and_keeps_the_current_one(project, monkeypatch):
    jobs = fake_job(project, evaluation(fallback={"hej", "hello"}), evaluation(), monkeypatch)
    seen = []
    result = jobs.retrain("tove", seen.append)
    assert not result.gate.passed and not result.deployed
    assert jobs.deployer.puts == []
    assert project.current_model.read_bytes() == b"the current model"
    registry = Registry(project)
    assert registry.current().meta["source"].startswith("imported")
    assert registry.current().model.read_bytes() == b"the current model"
    assert result.entry.comparison["passed"] is False
    assert result.entry.comparison["current_model"] == registry.current().id
    status = jobs.status()
    assert status["state"] == "done" and status["progress"] == 100 and status["deployed"] is False
    assert "Not deployed" in status["message"]
    assert [s["state"] for s in seen][:2] == ["training", "evaluating"]


def test_the_job_deploys_a_model_that_is_not_worse_and_rolls_back(project, monkeypatch):
    jobs = fake_job(project, evaluation(), evaluation(fallback={"hej"}), monkeypatch)
    result = jobs.retrain("tove")
    assert result.deployed
    assert jobs.deployer.puts == [(6105, "tok", result.entry.model)]
    assert project.current_model.read_bytes() == b"a new model"
    assert project.fingerprint_file.read_text().strip() == project.fingerprint()
    registry = Registry(project)
    assert registry.state()["current"] == result.entry.id
    back = jobs.deployer.rollback()
    assert back.meta["source"].startswith("imported")
    assert project.current_model.read_bytes() == b"the current model"
    assert project.fingerprint_file.read_text().strip() == "0123456789abcdef"
    assert registry.state() == {"current": back.id, "previous": []}
    assert jobs.deployer.rollback() is None


def test_one_job_at_a_time(project, monkeypatch):
    import fcntl

    jobs = fake_job(project, evaluation(), evaluation(), monkeypatch)
    project.registry_dir.mkdir(parents=True)
    with open(jobs.lock_file, "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        assert jobs.running()
        with pytest.raises(JobRunning):
            jobs.retrain("tove")
        with pytest.raises(JobRunning):
            jobs.start_in_background("tove")
    assert not jobs.running()


def test_a_failed_training_is_reported(project, monkeypatch):
    jobs = fake_job(project, evaluation(), evaluation(), monkeypatch)

    def broken(entry, status, on_progress):
        raise RuntimeError("rasa train exited with 1")

    monkeypatch.setattr(jobs, "_train", broken)
    with pytest.raises(RuntimeError):
        jobs.retrain("tove")
    assert jobs.status()["state"] == "failed" and "exited with 1" in jobs.status()["message"]


def test_progress_from_rasa_train_output():
    log = ("Training NLU model...\rEpochs:   0%|          | 0/40 [00:00<?, ?it/s]"
           "\rEpochs:  37%|███▋      | 15/40 [00:07<00:11, t_loss=2.1]\r")
    assert training_progress(log) == 37
    assert training_progress("Processed story blocks") == 0


def test_put_model_talks_to_rasas_http_api():
    received = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_PUT(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.path, json.loads(body)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    # Port 0: the OS chooses a free port as the server binds it.
    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        from pathlib import Path

        assert put_model(server.server_port, "s3cret", Path("/models/x.tar.gz")).status == "loaded"
        assert received == [("/model?token=s3cret", {"model_file": "/models/x.tar.gz"})]
    finally:
        server.shutdown()
        server.server_close()
    # A port bound here but not listening: refused for certain, as long as it is held.
    with socket.socket() as nobody:
        nobody.bind(("127.0.0.1", 0))
        assert put_model(nobody.getsockname()[1], "s3cret", Path("/models/x.tar.gz")).status == "not running"


def test_a_job_whose_process_died_is_reported_as_failed(project):
    jobs = Jobs(project, settings({}))
    write_json(project.registry_dir / "job.json", {"state": "training", "progress": 30, "started_at": 0})
    assert jobs.status()["state"] == "failed"
    assert "stopped unexpectedly" in jobs.status()["message"]


def test_every_held_out_set_is_scored_and_a_fix_for_personal_data_is_refused():
    predictions = [("en", "period_closed", "period is locked", "period_closed", 0.9, "en_2", False),
                   ("sv", "nlu_fallback", "mitt personnummer är [personnummer]", "nlu_fallback", 1.0,
                    "personal_data", False),
                   ("en", "account_not_active", "1930 or the period?", "nlu_fallback", 0.4, "en", True)]
    current = score(predictions)
    assert current.by_set == {"en": [0, 1], "en_2": [1, 1], "personal_data": [1, 1]}
    assert (current.clarified, current.wrong_fixes, current.personal_data_fixes) == (1, 0, 0)
    worse = score(predictions[:1] + [predictions[1][:3] + ("period_closed",) + predictions[1][4:]]
                  + predictions[2:])
    assert (worse.wrong_fixes, worse.personal_data_fixes) == (1, 1)
    result = compare(evaluation_dict(worse), evaluation_dict(current), ERRORS)
    assert not result.passed and any("personal data" in r for r in result.reasons)
