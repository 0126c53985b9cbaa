"""Private PostgreSQL and Redis servers for the fault tests.

They run the machine's own PostgreSQL 15 and Redis binaries, on ports and data
directories of their own, so that a test can restart or kill them under load without
disturbing the machine's shared servers (and whatever else uses them).  Their ports are
chosen by the OS as they start (tests/support/ports.py); read them from ``url``.
"""
from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import redis
from sqlalchemy import create_engine, text

from tests.support.ports import free_ports, start_on_free_ports


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    assert found, f"PostgreSQL's {name} not found under /usr/lib/postgresql"
    return found[-1]


def _as_postgres(argv):
    # PostgreSQL refuses to run as root; the machine's `postgres` user runs it.
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *argv]
    return argv


class PrivatePostgres:
    def __init__(self) -> None:
        self.port = 0  # chosen by start
        self.url = ""
        self.dir = Path(tempfile.mkdtemp(prefix="pg-fault-"))
        self.data = self.dir / "data"
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        subprocess.run(_as_postgres([_pg_bin("initdb"), "-D", str(self.data), "-A", "trust",
                                     "-U", "postgres"]), check=True, capture_output=True)

    def _ctl(self, *args: str) -> None:
        subprocess.run(_as_postgres([
            _pg_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.dir / "log"), "-w",
            "-o", f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1", *args,
        ]), check=True, capture_output=True)

    def start(self) -> "PrivatePostgres":
        """Starts on a port chosen now, after initdb (the slow part), so that it is bound
        within a second; once more on a new one if it lost it (tests/support/ports.py)."""
        return start_on_free_ports(lambda: free_ports(1)[0], self._start_on)

    def _start_on(self, port: int) -> "PrivatePostgres":
        self.port = port
        self.url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
        self._ctl("start")  # -w: fails unless this server answers
        return self

    def restart(self) -> None:
        self._ctl("restart", "-m", "fast")

    def stop(self) -> None:
        self._ctl("stop", "-m", "fast")

    def count(self, sql: str, **params) -> int:
        engine = create_engine(self.url, future=True)
        with engine.connect() as connection:
            value = connection.execute(text(sql), params).scalar()
        engine.dispose()
        return value

    def remove(self) -> None:
        try:
            self.stop()
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


class PrivateRedis:
    def __init__(self) -> None:
        self.port = 0  # chosen by start
        self.url = ""
        self.process = None

    def start(self) -> "PrivateRedis":
        """Starts on a port chosen now; once more on a new one if it lost it
        (tests/support/ports.py).  Started again after ``kill``, it keeps its port: the
        assistant has its URL."""
        if self.port:
            return self._start_on(self.port)
        return start_on_free_ports(lambda: free_ports(1)[0], self._start_on)

    def _start_on(self, port: int) -> "PrivateRedis":
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        for _ in range(50):
            try:
                # This server, not another program's Redis that took the port first.
                if client.info("server")["process_id"] == self.process.pid:
                    return self
            except redis.ConnectionError:
                pass
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"private redis did not start on port {port}")

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
