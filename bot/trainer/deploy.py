"""Putting a model into the running assistant without a restart, and rolling back.

Every running Rasa process loads the model through its HTTP API (``PUT /model`` with
the run's token, on the process's own port: one on RASA_PORT, or RASA_PROCESSES of them
on the ports after it behind nginx).  The model is also copied to models/current.tar.gz
with its training fingerprint in models/current.fingerprint, so the next `make run`
starts with it and does not retrain.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, List, Optional

import requests

from bot.settings import Settings
from bot.trainer.registry import ModelEntry, Registry


def rasa_ports(config: Settings) -> List[int]:
    if config.rasa_processes > 1:
        return [config.rasa_port + 1 + i for i in range(config.rasa_processes)]
    return [config.rasa_port]


@dataclass
class ProcessResult:
    port: int
    status: str  # "loaded", "not running", or what went wrong

    @property
    def ok(self) -> bool:
        return self.status in ("loaded", "not running")


def put_model(port: int, token: str, model: Path, timeout: float = 180) -> ProcessResult:
    try:
        response = requests.put(f"http://127.0.0.1:{port}/model", params={"token": token},
                                json={"model_file": str(model.resolve())}, timeout=timeout)
    except requests.ConnectionError:
        return ProcessResult(port, "not running")
    except requests.RequestException as problem:
        return ProcessResult(port, f"failed: {problem}")
    if response.status_code == 204:
        return ProcessResult(port, "loaded")
    return ProcessResult(port, f"failed: HTTP {response.status_code} {response.text[:200]}")


def _copy_atomically(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=str(target.parent))
    os.close(fd)
    try:
        shutil.copyfile(source, temporary)
        os.replace(temporary, target)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


class Deployer:
    def __init__(self, registry: Registry, config: Settings,
                 put: Callable[[int, str, Path], ProcessResult] = put_model) -> None:
        self.registry = registry
        self.config = config
        self.put = put

    def _install(self, entry: ModelEntry) -> List[ProcessResult]:
        results = []
        if self.config.rasa_api_token:
            results = [self.put(port, self.config.rasa_api_token, entry.model)
                       for port in rasa_ports(self.config)]
        failed = [r for r in results if not r.ok]
        if failed:
            raise RuntimeError("Not every Rasa process loaded the model: "
                               + "; ".join(f"port {r.port}: {r.status}" for r in failed))
        project = self.registry.project
        _copy_atomically(entry.model, project.current_model)
        fingerprint = entry.meta.get("fingerprint")
        if fingerprint:
            project.fingerprint_file.write_text(fingerprint + "\n", encoding="utf-8")
        elif project.fingerprint_file.exists():
            project.fingerprint_file.unlink()  # unknown inputs: `make train` retrains
        return results

    def deploy(self, entry: ModelEntry) -> List[ProcessResult]:
        state = self.registry.state()
        results = self._install(entry)
        if state.get("current") and state["current"] != entry.id:
            state["previous"] = [*state.get("previous", []), state["current"]]
        state["current"] = entry.id
        self.registry.save_state(state)
        return results

    def rollback(self) -> Optional[ModelEntry]:
        """Back to the model deployed before the current one; None if there is none."""
        state = self.registry.state()
        previous = list(state.get("previous", []))
        while previous:
            entry = self.registry.get(previous.pop())
            if entry is not None:
                self._install(entry)
                self.registry.save_state({"current": entry.id, "previous": previous})
                return entry
        return None
