"""`python -m bot.ops.bench --quick` runs the bench's whole code path on our production
profile (its own ports, PostgreSQL database and Redis database number): start-up, the
length curve, one step of customers at human pace, the read-back, memory, the report.

Stock Rasa is left out here: it needs the baseline model (`make train-baseline`, about
4 minutes), which `make test` does not build; `make bench` runs it."""
import json
import subprocess
import sys

from bot.ops.bench_stats import curve_points
from bot.settings import PROJECT_ROOT
from tests.support.assistants import TEST_OUTPUT, require_trained_model

NOTHING_LOST = {"lost": 0, "out_of_order": 0, "duplicated": 0, "unanswered": 0}


def test_the_quick_bench_measures_ours_and_loses_nothing(tmp_path):
    require_trained_model()
    report = tmp_path / "bench.json"
    done = subprocess.run(
        [sys.executable, "-m", "bot.ops.bench", "--quick", "--deployments", "ours",
         "--json", str(report)],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=900,
    )
    TEST_OUTPUT.mkdir(parents=True, exist_ok=True)
    (TEST_OUTPUT / "quick-bench.log").write_text(done.stdout + done.stderr, encoding="utf-8")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

    ours = json.loads(report.read_text(encoding="utf-8"))["ours"]
    assert ours["rasa_processes"] == 2 and ours["failures"] == 0
    assert 0 < ours["startup_seconds"] < 300
    step = ours["steps"]["4"]
    assert ours["served"] == 4 and step["passed"] and step["turns"] > 0
    assert step["errors"] == 0 and step["stored"] == NOTHING_LOST
    assert step["p50"] <= step["p95"] <= step["p99"]
    cpu = step["cpu_ms_per_turn"]
    # No action server: ours runs the actions in its Rasa processes.
    assert "action server" not in cpu and "action server" not in ours["memory"]
    assert {"rasa server 1", "rasa server 2", "nginx", "postgresql", "redis",
            "client"} <= set(cpu)
    assert cpu["rasa server 1"] + cpu["rasa server 2"] > 0
    curve = ours["length_curve"]
    assert set(curve["latency"]) == set(curve["cpu"]) == set(curve_points(24))
    assert curve["errors"] == 0 and curve["stored"] == NOTHING_LOST
    assert {"rasa server 1", "rasa server 2", "nginx"} <= set(ours["memory"])
    assert all(m["mb"] > 0 for m in ours["memory"].values())
    # The README's table and nothing reported as failed.
    # Its one step passed and the search stopped there (--up-to 4): a lower bound.
    assert ours["served_at_least"]
    assert "| customers served (p95 ≤ 300 ms, nothing lost) | **≥ 4** |" in done.stdout
    assert "FAILED" not in done.stderr
