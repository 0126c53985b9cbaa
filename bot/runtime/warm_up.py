"""The one-time work of a server's first turns, done before it takes its first customer.

Measured on a freshly started assistant: the first turns took 3 to 5 times as long as
the same turns later (150 ms instead of 30 to 55).  Rasa's first parse builds caches in
spaCy and TensorFlow; the first action reply built the patches' validators and event
classes (now built with the warm-up: bot/runtime/rasa_patches.py ``build_caches``); the
tracker store's first save checks the console's schema (alembic), imports the handoff
code and opens its database connections; the action server's first fix reads the error
catalogue and its first ticket checks the schema.

Last, everything loaded so far is frozen out of Python's garbage collector (``gc.freeze``):
it lives as long as the process, yet each full collection walked it again, over half a
million objects in a Rasa process, 330 to 420 ms during which no customer of that process
got an answer.

Nothing here keeps anything or makes a conversation: it parses two messages, reads the
window of a conversation id no customer can have and rehearses its first write, rolled
back, opens the lock store's connection, and loads what is loaded once anyway.
The Rasa servers run ``warm_up_assistant`` after loading the model and before they listen
(bot/runtime/rasa_patches.py), with the actions' part when they run the actions themselves
(bot/runtime/in_process_actions.py), the action server ``warm_up_actions`` before it listens
(bot/ops/action_server.py): a start-up is ready only when its first customer is fast.
"""
from __future__ import annotations

import asyncio
import gc
import logging
import time
from typing import Any

logger = logging.getLogger(__name__)

# One message per language: each language has its own spaCy pipeline.
WARM_UP_MESSAGES = ("Account 1930 is not active", "Perioden är stängd")
# Not a conversation id the channels accept (bot/runtime/inbound.py): no customer has it.
WARM_UP_SENDER = "warm up"


async def warm_up_assistant(agent: Any, freeze: bool = True) -> None:
    """``freeze``: as at start; a model swapped in (patch 9) freezes after the swap."""
    started = time.perf_counter()
    for text in WARM_UP_MESSAGES:
        await agent.parse_message(text)
    store = getattr(agent.tracker_store, "_tracker_store", agent.tracker_store)  # FailSafe's
    warm_up_store = getattr(store, "warm_up", None)
    if warm_up_store is not None:
        try:
            await asyncio.to_thread(warm_up_store, WARM_UP_SENDER)
        except Exception:  # a database that is down now is retried by the first turn
            logger.exception("Could not warm up the tracker store")
    lock_store_warm_up = getattr(getattr(agent, "lock_store", None), "warm_up", None)  # ours
    if lock_store_warm_up is not None:
        await asyncio.to_thread(lock_store_warm_up)
    # Actions run in this process (bot/runtime/in_process_actions.py): as the action server.
    actions_warm_up = getattr(getattr(agent, "action_endpoint", None), "warm_up", None)
    if actions_warm_up is not None:
        from bot.settings import settings

        await asyncio.to_thread(actions_warm_up, settings().database_url)
    if freeze:
        freeze_what_is_loaded()
    logger.info("Warmed up in %.0f ms", (time.perf_counter() - started) * 1000)


def warm_up_actions(database_url: str) -> None:
    """The action server's warm-up: what the actions use, then frozen."""
    started = time.perf_counter()
    load_what_actions_use(database_url)
    freeze_what_is_loaded()
    logger.info("Warmed up in %.0f ms", (time.perf_counter() - started) * 1000)


def load_what_actions_use(database_url: str) -> None:
    """The catalogue read, the schema checked and a pooled connection open."""
    from sqlalchemy import text
    from sqlalchemy.orm import configure_mappers

    from bot.catalogue import load_catalogue
    from bot.storage.unit_of_work import session_factory

    load_catalogue()
    try:
        with session_factory(database_url)() as session:
            session.execute(text("SELECT 1"))
        configure_mappers()
    except Exception:  # the first ticket retries and reports it
        logger.exception("Could not warm up the database connection")


def freeze_what_is_loaded() -> None:
    """Frees the garbage of loading, then keeps what is left out of later collections."""
    gc.collect()
    gc.freeze()
