"""The bench's CPU per turn counts the deployment and its database servers, not the bench's
own customers (bot/ops/bench.py)."""
from bot.ops.bench import _cpu_row, ratio, served_cell, server_cpu

CPU = {"rasa server 1": 10.0, "rasa server 2": 11.0, "action server": 3.5, "nginx": 0.6,
       "pages": 0.01, "postgresql": 3.0, "redis": 0.5, "client": 1.7}


def test_the_load_generator_is_not_the_banks_cpu():
    assert server_cpu(CPU) == 10.0 + 11.0 + 3.5 + 0.6 + 0.01 + 3.0 + 0.5


def test_the_table_row_names_what_it_counts_and_what_not():
    row = _cpu_row({"cpu_ms_per_turn": CPU})
    assert row.startswith("**28.6** (Rasa 21.0, action server 3.5, nginx 0.6, postgresql 3.0, "
                          "redis 0.5; not counted: the bench's customers 1.7)")


def test_customers_served_say_when_every_step_passed():
    ours = {"served": 512, "served_at_least": True}
    stock = {"served": 48, "served_at_least": False}
    assert served_cell(ours) == "≥ 512"
    assert served_cell(stock) == "48"
    assert served_cell({"served": None, "served_at_least": False}) == "none"
    assert ratio({"ours": ours, "stock": stock}) == (
        "customers served, ours / stock: ≥ 512 / 48 = ≥ 10.67×")
    assert ratio({"ours": {"served": 96, "served_at_least": False}, "stock": stock}) == (
        "customers served, ours / stock: 96 / 48 = 2.00×")
