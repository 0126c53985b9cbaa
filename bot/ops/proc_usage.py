"""CPU time and resident memory of processes, read from Linux's /proc (the bench's meters).

Two clocks: ``cpu_seconds`` reads utime + stime from /proc/PID/stat, which counts every
thread the process ever had but only in clock ticks (10 ms), good for a window of many
turns; ``cpu_ns`` sums the nanosecond run times of the process's live threads
(/proc/PID/task/*/schedstat), precise enough for a single turn.

Groups are named sets of processes: a started server with its children (Sanic workers,
nginx's worker), or servers found by name (``postgres``, ``redis-server``).  Those found
by name are the machine's: other people's queries on them are counted too.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Dict, List

PROC = Path("/proc")
Groups = Dict[str, List[int]]
Snapshot = Dict[str, Dict[int, float]]


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""  # the process (or thread) ended meanwhile


def children(pid: int) -> List[int]:
    """``pid`` and all its descendants."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in PROC.glob(f"{current}/task/*/children"):
            todo += [int(child) for child in _read(task).split()]
    return found


def by_name(name: str) -> List[int]:
    """Processes whose command name (/proc/PID/comm) is ``name``."""
    return [int(entry.name) for entry in PROC.iterdir()
            if entry.name.isdigit() and _read(entry / "comm").strip() == name]


def cpu_seconds(pid: int) -> float:
    fields = _read(PROC / str(pid) / "stat").rsplit(")", 1)[-1].split()
    if len(fields) < 13:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_ns(pid: int) -> int:
    total = 0
    for task in PROC.glob(f"{pid}/task/*/schedstat"):
        fields = _read(task).split()
        total += int(fields[0]) if fields else 0
    return total


def resident_mb(pid: int) -> float:
    for line in _read(PROC / str(pid) / "status").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def snapshot(groups: Groups, meter: Callable[[int], float]) -> Snapshot:
    """``meter`` of every process of every group, by group and process id."""
    return {name: {pid: float(meter(pid)) for pid in pids} for name, pids in groups.items()}


def used(after: Snapshot, before: Snapshot) -> Dict[str, float]:
    """How much each group used between two snapshots; a process that started in
    between counts from its start, one that ended in between is missing."""
    return {name: sum(value - before.get(name, {}).get(pid, 0.0) for pid, value in pids.items())
            for name, pids in after.items()}
