"""The tests' ports come from bot/ops/ports.py (the bench chooses its ports the same way)."""
from bot.ops.ports import free_port_runs, free_ports, refused_port, start_on_free_ports

__all__ = ["free_port_runs", "free_ports", "refused_port", "start_on_free_ports"]
