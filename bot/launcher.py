"""Starts the assistant's processes, waits until they answer, and stops them together.

``make run`` calls ``python -m bot.launcher``; the end-to-end tests use ``Assistant``
to run the same processes on their own ports and databases.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Dict, List, Optional

from bot.settings import PROJECT_ROOT, Settings, settings

MODEL_PATH = PROJECT_ROOT / "models" / "current.tar.gz"
RASA = str(Path(sys.executable).with_name("rasa"))


def endpoints_file(config: Settings, directory: Path) -> Path:
    """endpoints.yml with the action server's port from the settings."""
    text = (PROJECT_ROOT / "endpoints.yml").read_text(encoding="utf-8")
    text = text.replace("localhost:5055", f"localhost:{config.action_port}")
    path = directory / "endpoints.yml"
    path.write_text(text, encoding="utf-8")
    return path


def commands(config: Settings, run_dir: Path, model: Path = MODEL_PATH) -> Dict[str, List[str]]:
    return {
        "action server": [
            RASA, "run", "actions", "--actions", "actions",
            "--port", str(config.action_port),
        ],
        "rasa server": [
            RASA, "run", "--model", str(model),
            "--endpoints", str(endpoints_file(config, run_dir)),
            "--credentials", str(PROJECT_ROOT / "credentials.yml"),
            "--port", str(config.rasa_port),
            "--cors", "*",
        ],
        "pages": [sys.executable, "-m", "bot.pages", "--port", str(config.pages_port)],
    }


def health_url(name: str, config: Settings) -> str:
    port = {"action server": config.action_port, "rasa server": config.rasa_port,
            "pages": config.pages_port}[name]
    return f"http://localhost:{port}/" + ("" if name == "rasa server" else "health")


def wait_for_http(url: str, timeout: float, process: Optional[subprocess.Popen] = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process for {url} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


class Assistant:
    """The action server and the Rasa server as child processes."""

    def __init__(self, env: Optional[Dict[str, str]] = None, log_dir: Optional[Path] = None):
        self.env = {**os.environ, **(env or {})}
        self.log_dir = log_dir
        self.processes: Dict[str, subprocess.Popen] = {}

    @property
    def config(self) -> Settings:
        return settings(self.env)

    def _output(self, name: str):
        if self.log_dir is None:
            return None  # inherit the terminal
        self.log_dir.mkdir(parents=True, exist_ok=True)
        return open(self.log_dir / f"{name.replace(' ', '-')}.log", "ab")

    def start(self, timeout: float = 180) -> "Assistant":
        try:
            for name in commands(self.config, self.run_dir):
                self.start_process(name, wait=False)
            for name in self.processes:
                self.wait_until_up(name, timeout)
        except BaseException:
            self.stop()  # leave no half-started processes behind
            raise
        return self

    @property
    def run_dir(self) -> Path:
        path = PROJECT_ROOT / "var" / f"run-{self.config.rasa_port}"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def start_process(self, name: str, wait: bool = True, timeout: float = 180) -> None:
        """Starts (or restarts, after stop_process) one of the processes."""
        argv = commands(self.config, self.run_dir)[name]
        output = self._output(name)
        self.processes[name] = subprocess.Popen(
            argv, cwd=PROJECT_ROOT, env=self.env, stdout=output,
            stderr=subprocess.STDOUT if output else None, start_new_session=True,
        )
        if wait:
            self.wait_until_up(name, timeout)

    def wait_until_up(self, name: str, timeout: float = 180) -> None:
        wait_for_http(health_url(name, self.config), timeout, self.processes[name])

    def stop_process(self, name: str) -> None:
        process = self.processes.get(name)
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def stop(self) -> None:
        for name in list(self.processes):
            self.stop_process(name)

    def __enter__(self) -> "Assistant":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def _stop_on_sigterm(*_args) -> None:
    raise KeyboardInterrupt


def main() -> int:
    if not MODEL_PATH.exists():
        print("No trained model: run `make train` (make run does it for you).", file=sys.stderr)
        return 1
    assistant = Assistant()
    config = assistant.config
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        assistant.start()
        print(
            "\nThe assistant is running.\n"
            f"  REST:      curl -s localhost:{config.rasa_port}/webhooks/rest/webhook "
            "-d '{\"sender\": \"me\", \"message\": \"Account 1930 is not active\"}'\n"
            f"  socket.io: ws://localhost:{config.rasa_port}/socket.io "
            "(events user_uttered / bot_uttered)\n"
            f"  actions:   http://localhost:{config.action_port}/health\n"
            f"  web page:  http://localhost:{config.pages_port}/  (demo page with the chat widget)\n"
            "Press Ctrl-C to stop.\n",
            flush=True,
        )
        while all(p.poll() is None for p in assistant.processes.values()):
            time.sleep(1)
        print("A server process stopped; shutting down.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nStopping ...")
        return 0
    finally:
        assistant.stop()


if __name__ == "__main__":
    sys.exit(main())
