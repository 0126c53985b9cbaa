"""The bench's customers, over the REST webhook, and the check that nothing they said was lost.

- ``customers``: N customers at human pace for a while: each reads the answer and takes
  1.5 to 4.5 s (3 s ±50 %, uniformly) before the next message, plays a conversation of
  bot/ops/bench_scripts.py, then starts a new one with a new conversation id, so N are
  active all the time.  Every customer has an address of its own (198.18.0.0/15, the
  range set aside for benchmarks), sent as X-Forwarded-For and X-Real-IP as a proxy in
  front would.
- ``one_conversation``: one long conversation played alone, each turn timed with the CPU
  it cost (the length curve).
- ``load``: a fixed number of short conversations, N at a time, each sending its next
  message the moment it has the answer (the fault tests' load).
- ``check_stored``: reads the conversations back from the tracker store.

A turn fails when the answer is not HTTP 200 with at least one message, or does not come
within ``TURN_TIMEOUT_SECONDS``; the customer goes on with the next message, as a person
would.
"""
from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Tuple

import aiohttp
from sqlalchemy import create_engine

from bot.ops.bench_scripts import CONVERSATIONS, Script, sender_id
from bot.privacy import mask_text

TURN_TIMEOUT_SECONDS = 60
THINK_SECONDS = (1.5, 4.5)


@dataclass
class LoadResult:
    latencies: List[float] = field(default_factory=list)
    errors: int = 0
    error_kinds: Dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    # Every message sent, by conversation, in the order sent (for check_stored).
    sent: Dict[str, List[str]] = field(default_factory=dict)
    # When each turn was sent (time.perf_counter()), beside ``latencies``.
    started: List[float] = field(default_factory=list)

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def failed(self, kind: str) -> None:
        self.errors += 1
        self.error_kinds[kind] = self.error_kinds.get(kind, 0) + 1


def customer_address(number: int) -> str:
    """Customer ``number``'s own address in 198.18.0.0/15 (different for up to 125,000)."""
    return f"198.{18 + number // 62500 % 2}.{number // 250 % 250}.{number % 250 + 1}"


async def say(session: aiohttp.ClientSession, url: str, sender: str, message: str,
              address: str, result: LoadResult) -> bool:
    """One turn, timed and recorded in ``result``; whether it was answered."""
    headers = {"X-Real-IP": address, "X-Forwarded-For": address}
    result.sent.setdefault(sender, []).append(message)
    started = time.perf_counter()
    kind = None
    try:
        async with session.post(url, json={"sender": sender, "message": message},
                                headers=headers) as response:
            answer = await response.json(content_type=None)
            if response.status != 200 or not answer:
                kind = f"HTTP {response.status}" + ("" if answer else " empty")
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
        kind = type(error).__name__
    result.started.append(started)
    result.latencies.append(time.perf_counter() - started)
    if kind:
        result.failed(kind)
    return kind is None


def session(connections: int = 0) -> aiohttp.ClientSession:
    """A client without a cap on connections (aiohttp's default of 100 would make
    customers queue in the client) and with the turn's timeout."""
    return aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=TURN_TIMEOUT_SECONDS),
        connector=aiohttp.TCPConnector(limit=connections),
    )


async def customers(url: str, count: int, seconds: float, next_script: Callable[[], Script],
                    tag: str, think: Tuple[float, float] = THINK_SECONDS,
                    seed: int = 0) -> LoadResult:
    """``count`` customers for ``seconds``: each starts within the first think time, then
    goes on as described above until the time is up (a turn under way is finished)."""
    result = LoadResult()
    rng = random.Random(seed)

    async def customer(number: int, until: float) -> None:
        address = customer_address(number)
        await asyncio.sleep(rng.uniform(0, think[1]))
        while time.perf_counter() < until:
            sender = sender_id(tag)
            for message in next_script().turns:
                if time.perf_counter() >= until:
                    return
                await say(client, url, sender, message, address, result)
                await asyncio.sleep(rng.uniform(*think))

    async with session() as client:
        began = time.perf_counter()
        await asyncio.gather(*(customer(n, began + seconds) for n in range(count)))
        result.seconds = time.perf_counter() - began
    return result


def in_window(result: LoadResult, first: float, last: float) -> List[float]:
    """Latencies of the turns sent between ``first`` and ``last`` (perf_counter times)."""
    return [latency for started, latency in zip(result.started, result.latencies)
            if first <= started < last]


async def one_conversation(url: str, messages: List[str], tag: str,
                           cpu: Callable[[], float], min_gap: float = 0.06
                           ) -> Tuple[LoadResult, List[float]]:
    """Plays ``messages`` as one conversation, alone; returns the result and the CPU
    seconds (``cpu()``, all processes) each turn cost.  At least ``min_gap`` s between
    sends keeps one address under the load balancer's 20 requests a second."""
    result, costs = LoadResult(), []
    sender, address = sender_id(tag), customer_address(0)
    async with session(1) as client:
        for message in messages:
            before_cpu, before = cpu(), time.perf_counter()
            await say(client, url, sender, message, address, result)
            costs.append(cpu() - before_cpu)
            await asyncio.sleep(max(0.0, min_gap - (time.perf_counter() - before)))
    return result, costs


async def load(url: str, conversations: int, concurrency: int,
               result: Optional[LoadResult] = None, tag: str = "bench-") -> LoadResult:
    """Plays ``conversations`` of CONVERSATIONS, ``concurrency`` at a time, each sending
    its next message the moment it has the answer; pass ``result`` to watch it fill."""
    result = result if result is not None else LoadResult()
    gate = asyncio.Semaphore(concurrency)

    async def one(index: int) -> None:
        async with gate:
            sender = sender_id(tag)
            address = customer_address(index)
            for message in CONVERSATIONS[index % len(CONVERSATIONS)]:
                await say(client, url, sender, message, address, result)

    async with session() as client:
        began = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(conversations)))
        result.seconds = time.perf_counter() - began
    return result


def _collapsed(messages: List[str]) -> List[str]:
    """``messages`` with each run of the same message as one."""
    return [m for i, m in enumerate(messages) if i == 0 or messages[i - 1] != m]


def check_stored(tracker_url: str, sent: Dict[str, List[str]]) -> Dict[str, int]:
    """Read back from the tracker store: messages lost, conversations out of order,
    messages stored twice in a row (a request retried after a process died having saved
    it), and customer messages without an answer after them."""
    from bot.storage.events import EventRepository

    engine = create_engine(tracker_url, future=True)
    events = EventRepository(engine)
    lost = out_of_order = duplicated = unanswered = 0
    try:
        for sender, said in sent.items():
            rows = events.events_for(sender)
            stored = [r.data.get("text") for r in rows if r.type_name == "user"]
            # Our tracker store masks personal data (an e-mail address) before storing it.
            messages = [m if m in stored else mask_text(m) for m in said]
            # A message the customer sent twice in a row is no duplicate.
            duplicated += (len(stored) - len(_collapsed(stored))) - \
                (len(messages) - len(_collapsed(messages)))
            lost += sum(1 for m in messages if m not in stored)
            out_of_order += _collapsed([m for m in stored if m in messages]) != \
                _collapsed([m for m in messages if m in stored])
            kinds = [r.type_name for r in rows if r.type_name in ("user", "bot")]
            unanswered += sum(
                1 for i, kind in enumerate(kinds)
                if kind == "user" and (i + 1 == len(kinds) or kinds[i + 1] != "bot")
            )
    finally:
        engine.dispose()
    return {"lost": lost, "out_of_order": out_of_order, "duplicated": duplicated,
            "unanswered": unanswered}
