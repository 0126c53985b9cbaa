"""`python -m bot.runtime.rasa_server ARGS` is `rasa ARGS` with bot/runtime/rasa_patches.py,
bot/runtime/payload_entities.py, bot/runtime/slow_clients.py and
bot/runtime/in_process_actions.py applied.

The launcher starts the Rasa server processes this way.  ``--auth-token-file PATH`` (ours,
not Rasa's) reads the HTTP API's token from a file (mode 600) and hands it to Rasa as
``--auth-token`` inside this process only: a token on the command line is in the process
list for every user of the machine to read (issue 14 item 8).

Rasa's telemetry is always off here (``NO_TELEMETRY``), whatever ~/.config/rasa says: it
reports to Rasa's servers and sends its exceptions, which can hold a customer's words, to
Rasa's Sentry; and it unpacks the whole model a second time at start-up (about 1.5 s of
CPU) to fingerprint it.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import List

from bot.runtime import in_process_actions, payload_entities, slow_clients
from bot.runtime.rasa_patches import apply
from bot.settings import NO_TELEMETRY, settings


def main() -> None:
    os.environ.update(NO_TELEMETRY)  # before Rasa's entry point reads it
    apply()
    payload_entities.apply()
    in_process_actions.apply()
    slow_clients.apply(settings().request_read_timeout_seconds)
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *with_token_from_file(sys.argv[1:])]
    rasa_main()


TOKEN_FILE_OPTION = "--auth-token-file"


def with_token_from_file(args: List[str]) -> List[str]:
    """``args`` with ``--auth-token-file PATH`` replaced by ``--auth-token`` and the file's
    contents (this process's own argument list; /proc/<pid>/cmdline keeps the original)."""
    if TOKEN_FILE_OPTION not in args:
        return list(args)
    at = args.index(TOKEN_FILE_OPTION)
    token = Path(args[at + 1]).read_text(encoding="utf-8").strip()
    return [*args[:at], "--auth-token", token, *args[at + 2:]]


if __name__ == "__main__":
    main()
