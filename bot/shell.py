"""`make shell`: talk to the assistant in the terminal (action server in the background)."""
from __future__ import annotations

import subprocess
import sys

from bot.launcher import MODEL_PATH, RASA, Assistant, commands, endpoints_file, wait_for_http
from bot.settings import PROJECT_ROOT


def main() -> int:
    assistant = Assistant()
    config = assistant.config
    run_dir = PROJECT_ROOT / "var" / "shell"
    run_dir.mkdir(parents=True, exist_ok=True)
    action_argv = commands(config, run_dir)["action server"]
    endpoints = str(endpoints_file(config, run_dir))
    actions = subprocess.Popen(action_argv, cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.STDOUT)
    try:
        wait_for_http(f"http://localhost:{config.action_port}/health", 120, actions)
        return subprocess.call([RASA, "shell", "--model", str(MODEL_PATH),
                                "--endpoints", endpoints], cwd=PROJECT_ROOT)
    except KeyboardInterrupt:
        return 0
    finally:
        actions.terminate()
        actions.wait()


if __name__ == "__main__":
    sys.exit(main())
