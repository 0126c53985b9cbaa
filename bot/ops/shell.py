"""`make shell`: talk to the assistant in the terminal (action server in the background)."""
from __future__ import annotations

import subprocess
import sys

from bot.ops.launcher import MODEL_PATH, RASA, Assistant, wait_for_http
from bot.settings import PROJECT_ROOT


def main() -> int:
    # Rasa's own `rasa shell` (not bot/runtime/rasa_server.py) calls an action server.
    assistant = Assistant(env={"ACTIONS_IN_PROCESS": "0"})
    action = assistant.specs["action server"]  # also writes the run's endpoints.yml
    endpoints = str(assistant.run_dir / "endpoints.yml")
    # Both need the action server's token (and the rest of the run's environment).
    env = {**action.env, **assistant.env}
    actions = subprocess.Popen(action.argv, cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.STDOUT)
    try:
        wait_for_http(action.health_url, 120, actions)
        return subprocess.call([RASA, "shell", "--model", str(MODEL_PATH),
                                "--endpoints", endpoints], cwd=PROJECT_ROOT, env=env)
    except KeyboardInterrupt:
        return 0
    finally:
        actions.terminate()
        actions.wait()


if __name__ == "__main__":
    sys.exit(main())
