"""Models with their evaluations, in models/registry/<id>/, and which one is deployed.

Each entry: model.tar.gz, meta.json (when, by whom, the training fingerprint),
evaluation.json (held-out figures, with the hash of the test set they were made on),
comparison.json (the gate's verdict against the model that was current then), and
train.log.  state.json names the current model and the ones before it, for rollback.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional

from bot.trainer.project import Project


def _now() -> float:
    return dt.datetime.now(dt.timezone.utc).timestamp()


def write_json(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=str(path.parent))
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2, ensure_ascii=False)
    os.replace(temporary, path)


def read_json(path: Path, default=None):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return default


@dataclass
class ModelEntry:
    id: str
    path: Path

    @property
    def model(self) -> Path:
        return self.path / "model.tar.gz"

    @property
    def meta(self) -> dict:
        return read_json(self.path / "meta.json", {})

    @property
    def evaluation(self) -> Optional[dict]:
        return read_json(self.path / "evaluation.json")

    @property
    def comparison(self) -> Optional[dict]:
        return read_json(self.path / "comparison.json")

    @property
    def log(self) -> Path:
        return self.path / "train.log"


class Registry:
    def __init__(self, project: Project) -> None:
        self.project = project
        self.root = project.registry_dir

    @property
    def state_file(self) -> Path:
        return self.root / "state.json"

    def state(self) -> dict:
        return read_json(self.state_file, {"current": None, "previous": []})

    def save_state(self, state: dict) -> None:
        write_json(self.state_file, state)

    def new_id(self) -> str:
        stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%d-%H%M%S")
        candidate, n = stamp, 1
        while (self.root / candidate).exists():
            n += 1
            candidate = f"{stamp}-{n}"
        return candidate

    def create(self, **meta) -> ModelEntry:
        entry_id = self.new_id()
        entry = ModelEntry(entry_id, self.root / entry_id)
        entry.path.mkdir(parents=True)
        write_json(entry.path / "meta.json", {"id": entry_id, "created_at": _now(), **meta})
        return entry

    def get(self, entry_id: str) -> Optional[ModelEntry]:
        if not entry_id or "/" in entry_id or entry_id.startswith("."):
            return None
        path = self.root / entry_id
        return ModelEntry(entry_id, path) if (path / "model.tar.gz").exists() else None

    def entries(self) -> List[ModelEntry]:
        if not self.root.exists():
            return []
        return sorted(
            (ModelEntry(p.name, p) for p in self.root.iterdir()
             if p.is_dir() and (p / "model.tar.gz").exists()),
            key=lambda e: e.id, reverse=True,
        )

    def current(self) -> Optional[ModelEntry]:
        return self.get(self.state().get("current"))

    def ensure_current(self) -> Optional[ModelEntry]:
        """The deployed model; the first time, models/current.tar.gz is imported as one."""
        current = self.current()
        if current is not None or not self.project.current_model.exists():
            return current
        fingerprint = None
        if self.project.fingerprint_file.exists():
            fingerprint = self.project.fingerprint_file.read_text(encoding="utf-8").strip()
        entry = self.create(source="imported from models/current.tar.gz", fingerprint=fingerprint,
                            by=None)
        shutil.copyfile(self.project.current_model, entry.model)
        self.save_state({"current": entry.id, "previous": []})
        return entry

    def latest_evaluation(self) -> Optional[dict]:
        """The evaluation of the newest entry that has one (for insights)."""
        for entry in self.entries():
            evaluation = entry.evaluation
            if evaluation:
                return {**evaluation, "model": entry.id}
        return None
