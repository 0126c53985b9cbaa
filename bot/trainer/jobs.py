"""One training job at a time: train, evaluate beside the current model, gate, deploy.

``retrain()`` runs ``rasa train`` in a subprocess into models/registry/<id>/ (output to
train.log), follows its progress from the log (DIET's "Epochs: 37%|..." lines),
evaluates the new model and the current one on the held-out test set, asks the gate,
and deploys only a model that is not worse.  The job's state is in
models/registry/job.json for the console to poll; a lock file (flock, released even if
the process dies) keeps it to one job at a time.
"""
from __future__ import annotations

import datetime as dt
import fcntl
import logging
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, List, Optional

from bot.settings import NO_TELEMETRY, PROJECT_ROOT, Settings, settings
from bot.trainer.deploy import Deployer
from bot.trainer.gate import GateResult, compare, evaluation_dict
from bot.trainer.project import Project
from bot.trainer.registry import ModelEntry, Registry, read_json, write_json

RASA = str(Path(sys.executable).with_name("rasa"))
_EPOCHS = re.compile(r"Epochs:\s*(\d+)%")
# Share of the whole job each stage ends at (training is most of it).
STAGES = {"starting": 0, "training": 2, "evaluating": 75, "deploying": 95, "done": 100, "failed": 100}

Progress = Callable[[dict], None]


class JobRunning(RuntimeError):
    pass


def _now() -> float:
    return dt.datetime.now(dt.timezone.utc).timestamp()


def training_progress(log_text: str) -> int:
    """0-100 through `rasa train`, from the last epoch bar in its output."""
    matches = _EPOCHS.findall(log_text)
    if matches:
        return int(matches[-1])
    return 0


@dataclass
class JobResult:
    entry: ModelEntry
    gate: GateResult
    deployed: bool
    processes: List[str] = field(default_factory=list)
    problem: Optional[str] = None


class Jobs:
    def __init__(self, project: Optional[Project] = None, config: Optional[Settings] = None,
                 deployer: Optional[Deployer] = None) -> None:
        self.project = project or Project()
        self.registry = Registry(self.project)
        self.config = config or settings()
        self.deployer = deployer or Deployer(self.registry, self.config)

    @property
    def status_file(self) -> Path:
        return self.registry.root / "job.json"

    @property
    def lock_file(self) -> Path:
        return self.registry.root / "train.lock"

    def status(self) -> dict:
        status = read_json(self.status_file, {"state": "none"})
        starting = status.get("state") == "starting" and _now() - status.get("started_at", 0) < 30
        if status.get("state") not in ("done", "failed", "none") and not starting and not self.running():
            status = {**status, "state": "failed", "message": "The training process stopped unexpectedly."}
        return status

    def running(self) -> bool:
        if not self.lock_file.exists():
            return False
        with open(self.lock_file, "a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(handle, fcntl.LOCK_UN)
            return False

    def start_in_background(self, username: str) -> None:
        """Starts ``python -m bot.ops.trainer retrain`` as its own process (from the console)."""
        if self.running():
            raise JobRunning("A training job is already running.")
        self.registry.root.mkdir(parents=True, exist_ok=True)
        write_json(self.status_file, {"state": "starting", "progress": 0, "by": username,
                                      "started_at": _now(), "message": "Starting ..."})
        env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
        with open(self.registry.root / "job-output.log", "ab") as output:
            subprocess.Popen(
                [sys.executable, "-m", "bot.ops.trainer", "--root", str(self.project.root),
                 "retrain", "--by", username, "--quiet"],
                cwd=str(PROJECT_ROOT), env=env, stdout=output, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )

    # -- the job

    def _update(self, status: dict, on_progress: Optional[Progress], **changes) -> None:
        status.update(changes)
        stage = status["state"]
        if stage == "training":
            status["progress"] = STAGES["training"] + (STAGES["evaluating"] - STAGES["training"]) * status.get("training", 0) // 100
        else:
            status["progress"] = max(status.get("progress", 0), STAGES.get(stage, 0))
        status["updated_at"] = _now()
        write_json(self.status_file, status)
        if on_progress:
            on_progress(dict(status))

    def retrain(self, username: str = "cli", on_progress: Optional[Progress] = None,
                deploy: bool = True) -> JobResult:
        self.registry.root.mkdir(parents=True, exist_ok=True)
        with open(self.lock_file, "a") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise JobRunning("A training job is already running.") from None
            status = {"state": "starting", "by": username, "started_at": _now(), "progress": 0}
            try:
                return self._retrain(username, status, on_progress, deploy)
            except BaseException as problem:
                self._update(status, on_progress, state="failed", finished_at=_now(),
                             message=f"{type(problem).__name__}: {problem}")
                raise

    def _train(self, entry: ModelEntry, status: dict, on_progress: Optional[Progress]) -> None:
        project = self.project
        argv = [RASA, "train", "--config", str(project.config), "--domain", str(project.domain),
                "--data", str(project.data_dir), "--out", str(entry.path),
                "--fixed-model-name", "model"]
        env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "TF_CPP_MIN_LOG_LEVEL": "2",
               **NO_TELEMETRY}
        with open(entry.log, "wb") as log:
            process = subprocess.Popen(argv, cwd=str(PROJECT_ROOT), env=env, stdout=log,
                                       stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            last = -1
            while process.poll() is None:
                time.sleep(1)
                percent = training_progress(entry.log.read_text(encoding="utf-8", errors="replace"))
                if percent != last:
                    last = percent
                    self._update(status, on_progress, training=percent,
                                 message=f"Training: DIET epochs {percent} %")
        if process.returncode != 0 or not entry.model.exists():
            tail = entry.log.read_text(encoding="utf-8", errors="replace")[-1500:]
            raise RuntimeError(f"rasa train exited with {process.returncode}:\n{tail}")
        # Rasa's training cache (.rasa/cache) may have skipped the epochs altogether.
        self._update(status, on_progress, training=100, message="Trained.")

    def evaluate(self, entry: ModelEntry) -> dict:
        """The entry's held-out evaluation (made now unless it is on the same test set)."""
        from bot.trainer.evaluation import evaluate

        held_out = self.project.held_out_hash()
        cached = entry.evaluation
        if cached and cached.get("held_out") == held_out:
            return cached
        from rasa.utils.log_utils import configure_structlog

        configure_structlog(logging.WARNING)  # Rasa logs every parse at debug level
        result = {**evaluation_dict(evaluate(entry.model, self.project.held_out_dir)),
                  "held_out": held_out, "evaluated_at": _now()}
        write_json(entry.path / "evaluation.json", result)
        return result

    def _retrain(self, username: str, status: dict, on_progress: Optional[Progress],
                 deploy: bool) -> JobResult:
        fingerprint = self.project.fingerprint()
        entry = self.registry.create(source="trained", by=username, fingerprint=fingerprint)
        started = time.monotonic()
        self._update(status, on_progress, state="training", model=entry.id, training=0,
                     message="Training ...")
        self._train(entry, status, on_progress)
        trained = time.monotonic() - started
        self._update(status, on_progress, state="evaluating",
                     message="Evaluating the new and the current model on the held-out test set ...")
        candidate = self.evaluate(entry)
        current_entry = self.registry.ensure_current()
        current = self.evaluate(current_entry) if current_entry is not None else None
        gate = compare(candidate, current)
        comparison = {**gate.as_dict(), "current_model": current_entry.id if current_entry else None,
                      "training_seconds": round(trained, 1)}
        write_json(entry.path / "comparison.json", comparison)
        deployed, processes, problem = False, [], None
        if gate.passed and deploy:
            self._update(status, on_progress, state="deploying", message="Loading the new model ...")
            try:
                processes = [f"port {r.port}: {r.status}" for r in self.deployer.deploy(entry)]
                deployed = True
            except RuntimeError as error:
                problem = str(error)
        message = ("Deployed: " if deployed else "Not deployed: ") + " ".join(gate.reasons)
        if problem:
            message += f" ({problem})"
        self._update(status, on_progress, state="done", finished_at=_now(), deployed=deployed,
                     passed=gate.passed, message=message, processes=processes,
                     seconds=round(time.monotonic() - started, 1))
        return JobResult(entry, gate, deployed, processes, problem)
