"""The pages server on a port the OS chooses (``--port 0``), as the console benchmark
starts it: it says which port, and answers there."""
from __future__ import annotations

import requests

from bot.ops.bench_console import serving
from tests.support.databases import create_events_table


def test_the_pages_server_says_the_port_the_os_chose(tmp_path):
    tracker = f"sqlite:///{tmp_path / 'tracker.db'}"
    create_events_table(tracker)
    with serving(f"sqlite:///{tmp_path / 'assistant.db'}", tracker) as base:
        assert not base.endswith(":0")
        assert requests.get(f"{base}/health", timeout=10).json() == {"status": "ok"}
        assert requests.get(f"{base}/console/login", timeout=10).status_code == 200
