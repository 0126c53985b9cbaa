"""The bench's meters (bot/ops/proc_usage.py) read this machine's /proc."""
import os
import subprocess
import sys

from bot.ops.proc_usage import children, cpu_ns, cpu_seconds, resident_mb, used


def test_a_started_process_is_among_our_children_and_is_metered():
    child = subprocess.Popen(
        [sys.executable, "-c", "sum(range(3_000_000)); print('ready', flush=True); input()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        # Measured once the interpreter runs, not while it is still being loaded.
        assert child.stdout.readline() == b"ready\n"
        assert child.pid in children(os.getpid())
        assert resident_mb(child.pid) > 1
        assert cpu_ns(os.getpid()) > 0 and cpu_seconds(os.getpid()) > 0
    finally:
        child.communicate(b"\n", timeout=30)
    assert resident_mb(child.pid) == 0.0 and cpu_ns(child.pid) == 0  # gone: nothing, no error


def test_usage_between_snapshots_counts_new_processes_from_their_start():
    before = {"rasa": {1: 10.0, 2: 5.0}, "postgresql": {3: 1.0}}
    after = {"rasa": {1: 12.0, 2: 5.5}, "postgresql": {3: 1.5, 4: 0.25}}
    assert used(after, before) == {"rasa": 2.5, "postgresql": 0.75}
