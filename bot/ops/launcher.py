"""Starts the assistant's processes, waits until they answer, and stops them together.

``make run`` calls ``python -m bot.ops.launcher``; the end-to-end tests use ``Assistant``
to run the same processes on their own ports and databases.
"""
from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

import yaml

from bot.console.security import secret_key
from bot.ops.balancer import nginx_command, nginx_config
from bot.runtime.action_calls import PACKAGE_KEY
from bot.settings import PROJECT_ROOT, VAR_DIR, Settings, settings

MODEL_PATH = PROJECT_ROOT / "models" / "current.tar.gz"
TOKEN_FILE = "rasa-api-token"
ACTION_TOKEN_FILE = "action-server-token"
RASA = str(Path(sys.executable).with_name("rasa"))
# The custom actions' package, run by the action server or in the Rasa processes.
ACTIONS_PACKAGE = "actions"


# Sanic refuses request bodies over this before reading them (413).
MAX_REQUEST_BYTES = 65536
# A conversation's lock outlives a process that died holding it by this long (Rasa's
# default is 60 s, during which that customer's next message would wait).  A turn takes
# well under a second.
LOCK_LIFETIME_SECONDS = 10


@dataclass
class Process:
    argv: List[str]
    health_url: str
    env: Dict[str, str] = field(default_factory=dict)


def action_server_token(configured: str) -> str:
    """ACTION_SERVER_TOKEN, else the secret made once into var/action-server-token (mode 600)."""
    return secret_key(configured, VAR_DIR, ACTION_TOKEN_FILE)


def balanced(config: Settings) -> bool:
    """The production profile: several Rasa processes behind nginx."""
    return config.rasa_processes > 1


def endpoints_file(config: Settings, directory: Path) -> Path:
    """endpoints.yml with the action server's port (or the actions run in the Rasa
    processes) and, with Redis, the lock store."""
    endpoints = yaml.safe_load((PROJECT_ROOT / "endpoints.yml").read_text(encoding="utf-8"))
    if config.actions_in_process:
        endpoints["action_endpoint"] = {PACKAGE_KEY: ACTIONS_PACKAGE}
    else:
        endpoints["action_endpoint"]["url"] = f"http://127.0.0.1:{config.action_port}/webhook"
    # Our actions never read the domain: do not send it with every call.
    endpoints["action_endpoint"]["enable_selective_domain"] = True
    if config.redis_url:
        endpoints["lock_store"] = {"type": "bot.runtime.lock_store.FailoverRedisLockStore"}
    path = directory / "endpoints.yml"
    path.write_text(yaml.safe_dump(endpoints, sort_keys=False), encoding="utf-8")
    return path


def token_file(config: Settings, directory: Path) -> Path:
    """The Rasa HTTP API's token in a file only this user can read (mode 600), which the
    Rasa servers read at start (bot/runtime/rasa_server.py) and staff can look into."""
    path = directory / TOKEN_FILE
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # also when the file was there before with other modes
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(config.rasa_api_token)
    return path


def processes(config: Settings, run_dir: Path, model: Path = MODEL_PATH) -> Dict[str, Process]:
    """Every process of the assistant, by name, for the given settings."""
    endpoints = str(endpoints_file(config, run_dir))
    many = balanced(config)
    # Behind nginx, the servers listen on the ports after the public ones.
    action_port = config.action_port + 1 if many else config.action_port
    rasa_ports = (
        [config.rasa_port + 1 + i for i in range(config.rasa_processes)]
        if many else [config.rasa_port]
    )
    result = {}
    if not config.actions_in_process:
        result["action server"] = Process(
            # rasa-sdk's server with the token checked (bot/ops/action_server.py).
            [sys.executable, "-m", "bot.ops.action_server", "--port", str(action_port),
             "--actions", ACTIONS_PACKAGE],
            f"http://127.0.0.1:{action_port}/health",
            {**({"ACTION_SERVER_SANIC_WORKERS": "2"} if many else {})},
        )
    for number, port in enumerate(rasa_ports, start=1):
        argv = [
            sys.executable, "-m", "bot.runtime.rasa_server", "run", "--model", str(model),
            "--endpoints", endpoints,
            "--credentials", str(PROJECT_ROOT / "credentials.yml"),
            "--interface", "127.0.0.1", "--port", str(port),
            # Only these pages' scripts may read the answers (never "*": Rasa allows credentials).
            "--cors", *config.allowed_origins,
        ]
        if config.rasa_api_token:
            # Never the token itself on a command line: the process list shows it to all.
            argv += ["--enable-api", "--auth-token-file", str(token_file(config, run_dir))]
        name = f"rasa server {number}" if many else "rasa server"
        result[name] = Process(argv, f"http://127.0.0.1:{port}/", {
            "SANIC_REQUEST_MAX_SIZE": str(MAX_REQUEST_BYTES),
            # Action calls carry the conversation's tracker: compressed, a long one stays
            # under the action server's 64 KB.
            "COMPRESS_ACTION_SERVER_REQUEST": "true",
            "TICKET_LOCK_LIFETIME": str(LOCK_LIFETIME_SECONDS),
        })
    if many:
        actions = None if config.actions_in_process else (config.action_port, action_port)
        conf = nginx_config(run_dir, config.rasa_port, rasa_ports, actions)
        result["load balancer"] = Process(
            nginx_command(conf, run_dir), f"http://127.0.0.1:{config.rasa_port}/"
        )
    result["pages"] = Process(
        [sys.executable, "-m", "bot.ops.pages", "--port", str(config.pages_port)],
        f"http://127.0.0.1:{config.pages_port}/health",
    )
    return result


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
    """The assistant's processes (see ``processes``) as child processes."""

    def __init__(self, env: Optional[Dict[str, str]] = None, log_dir: Optional[Path] = None,
                 model: Path = MODEL_PATH):
        self.env = {**os.environ, **(env or {})}
        if not self.env.get("RASA_API_TOKEN"):
            # Rasa's HTTP API is never open: without a token from the environment, one is
            # made for this run and shared with our own processes (console, trainer).
            self.env["RASA_API_TOKEN"] = secrets.token_urlsafe(24)
        # The secret Rasa shows the action server (endpoints.yml): one per machine.
        self.env["ACTION_SERVER_TOKEN"] = action_server_token(self.env.get("ACTION_SERVER_TOKEN", ""))
        self.log_dir = log_dir
        self.model = model
        self.processes: Dict[str, subprocess.Popen] = {}
        self._specs: Optional[Dict[str, Process]] = None

    @property
    def specs(self) -> Dict[str, Process]:
        """What to run, worked out (and its config files written) once."""
        if self._specs is None:
            self._specs = processes(self.config, self.run_dir, self.model)
        return self._specs

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
            for name in self.specs:
                self.start_process(name, wait=False)
            for name in self.processes:
                self.wait_until_up(name, timeout)
        except BaseException:
            self.stop()  # leave no half-started processes behind
            raise
        return self

    @property
    def run_dir(self) -> Path:
        # var/ holds the databases, the token and the logs: for this user only.
        VAR_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
        VAR_DIR.chmod(0o700)
        path = VAR_DIR / f"run-{self.config.rasa_port}"
        path.mkdir(mode=0o700, exist_ok=True)
        return path

    def start_process(self, name: str, wait: bool = True, timeout: float = 180) -> None:
        """Starts (or restarts, after stop_process) one of the processes."""
        process = self.specs[name]
        output = self._output(name)
        self.processes[name] = subprocess.Popen(
            process.argv, cwd=PROJECT_ROOT, env={**process.env, **self.env}, stdout=output,
            stderr=subprocess.STDOUT if output else None, start_new_session=True,
        )
        if wait:
            self.wait_until_up(name, timeout)

    def wait_until_up(self, name: str, timeout: float = 180) -> None:
        wait_for_http(self.specs[name].health_url, timeout, self.processes[name])

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

    def kill_process(self, name: str) -> None:
        """SIGKILL, as a crash would: no chance to finish anything."""
        process = self.processes[name]
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
    made_token = not os.environ.get("RASA_API_TOKEN")
    assistant = Assistant()
    config = assistant.config
    if made_token:  # never the token itself: logs are read by more people than staff
        print(f"Rasa HTTP API token for this run: in {assistant.run_dir / TOKEN_FILE} (mode 600)")
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        assistant.start()
        actions = ("run in the Rasa process(es)" if config.actions_in_process
                   else f"http://localhost:{config.action_port}/health")
        print(
            f"\nThe assistant is running ({config.profile} profile, "
            f"{config.rasa_processes} Rasa process(es)).\n"
            f"  REST:      curl -s localhost:{config.rasa_port}/webhooks/rest/webhook "
            "-H 'Content-Type: application/json' -d '{\"sender\": \"my-test-conversation-1\", \"message\": \"Account 1930 is not active\"}'\n"
            f"  socket.io: ws://localhost:{config.rasa_port}/socket.io "
            "(events user_uttered / bot_uttered)\n"
            f"  actions:   {actions}\n"
            f"  web page:  http://localhost:{config.pages_port}/  (demo page with the chat widget)\n"
            f"  console:   http://localhost:{config.pages_port}/console  (staff; the first start "
            "prints the admin's password above, or set CONSOLE_ADMIN_PASSWORD)\n"
            f"  agents:    http://localhost:{config.pages_port}/console/agent/  (live chats)\n"
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
