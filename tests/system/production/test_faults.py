"""Faults under load, each measuring what the customers lost.

Load: 16 conversations at a time through nginx, several turns each (bot/ops/bench_load.py).
A turn that gets no answer is an error; afterwards the tracker store is read back:
every message sent must be stored, in order, with an answer.  Target: zero lost.
"""
import asyncio
import uuid

import requests

from bot.ops.bench_load import LoadResult, check_stored, load

CONVERSATIONS, CONCURRENCY = 48, 16


async def load_with_fault(base_url, fault, after_turns=40):
    """Runs the load and, once `after_turns` turns are done, the fault (in a thread)."""
    result = LoadResult()
    task = asyncio.create_task(load(f"{base_url}/webhooks/rest/webhook", CONVERSATIONS,
                                    CONCURRENCY, result))
    while len(result.latencies) < after_turns and not task.done():
        await asyncio.sleep(0.05)
    await asyncio.to_thread(fault)
    await task
    return result


def assert_nothing_lost(result, postgres, duplicates_allowed=False):
    stored = check_stored(postgres.url, result.sent)
    turns = sum(len(m) for m in result.sent.values())
    print(f"turns {turns}, errors {result.errors} {result.error_kinds}, {stored}")
    assert result.errors == 0
    assert (stored["lost"], stored["out_of_order"], stored["unanswered"]) == (0, 0, 0)
    if not duplicates_allowed:
        assert stored["duplicated"] == 0


def say(base_url, sender, message):
    response = requests.post(f"{base_url}/webhooks/rest/webhook",
                             json={"sender": sender, "message": message}, timeout=30)
    return response.status_code, response.json()


def test_action_server_killed_mid_conversation(production_with_action_server):
    production = production_with_action_server
    base_url = f"http://127.0.0.1:{production.config.rasa_port}"
    sender = f"fault-{uuid.uuid4().hex}"
    say(base_url, sender, "hi")
    production.kill_process("action server")
    try:
        status, answer = say(base_url, sender, "Account 1930 is not active")
        assert status == 200
        assert "something went wrong on my side" in answer[0]["text"]
        assert {"title": "Talk to a person", "payload": "/request_human"} in answer[0]["buttons"]
    finally:
        production.start_process("action server")
    status, answer = say(base_url, sender, "Account 1930 is not active")
    assert status == 200 and "account 1930" in answer[0]["text"].lower()


async def test_postgres_restarted_under_load(production, base_url, postgres):
    result = await load_with_fault(base_url, postgres.restart)
    assert_nothing_lost(result, postgres)


async def test_redis_unavailable_under_load(production, base_url, postgres, redis_server):
    try:
        result = await load_with_fault(base_url, redis_server.kill)
    finally:
        redis_server.start()
    assert_nothing_lost(result, postgres)


async def test_one_rasa_process_killed_under_load(production, base_url, postgres):
    try:
        result = await load_with_fault(base_url, lambda: production.kill_process("rasa server 1"))
    finally:
        await asyncio.to_thread(production.start_process, "rasa server 1")
    # A request whose process died after saving the message but before answering is
    # retried by nginx on the other process: stored twice, answered, never lost.
    assert_nothing_lost(result, postgres, duplicates_allowed=True)
