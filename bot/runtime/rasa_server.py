"""`python -m bot.runtime.rasa_server ARGS` is `rasa ARGS` with bot/runtime/rasa_patches.py,
bot/runtime/payload_entities.py and bot/runtime/slow_clients.py applied.

The launcher starts the Rasa server processes this way.
"""
from __future__ import annotations

import sys

from bot.runtime import payload_entities, slow_clients
from bot.runtime.rasa_patches import apply
from bot.settings import settings


def main() -> None:
    apply()
    payload_entities.apply()
    slow_clients.apply(settings().request_read_timeout_seconds)
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *sys.argv[1:]]
    rasa_main()


if __name__ == "__main__":
    main()
