"""The bench's customers' scripts (bot/ops/bench_scripts.py): 4 to 12 turns, English and
Swedish, each script in one language, the assistant's real buttons, repeatable."""
import random
from collections import Counter

import yaml

from bot.ops.bench_scripts import (BUTTONS, CONVERSATIONS, PASTED, PHRASES, conversation,
                                   long_conversation, sender_id)
from bot.runtime.inbound import sender_problem
from bot.settings import PROJECT_ROOT

SCRIPTS = [conversation(random.Random(seed)) for seed in range(400)]


def domain_payloads():
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    return {button["payload"] for variations in domain["responses"].values()
            for variation in variations for button in variation.get("buttons", [])}


def test_conversations_have_4_to_12_turns_and_every_length_occurs():
    lengths = Counter(len(script.turns) for script in SCRIPTS)
    assert set(lengths) == set(range(4, 13))


def test_a_given_length_and_language_are_kept():
    rng = random.Random(1)
    for turns in (1, 4, 7, 12, 30):
        for language in ("en", "sv"):
            script = conversation(rng, turns, language)
            assert len(script.turns) == turns and script.language == language


def test_both_languages_about_evenly():
    languages = Counter(script.language for script in SCRIPTS)
    assert set(languages) == {"en", "sv"}
    assert 0.4 < languages["sv"] / len(SCRIPTS) < 0.6


def test_a_script_speaks_its_own_language_only():
    """Typed messages of one language's phrases never appear in the other's scripts."""
    for language, other in (("en", "sv"), ("sv", "en")):
        foreign = {p for pool in PHRASES[other].values() for p in pool if not p.startswith("/")}
        foreign |= {p for p in PASTED[other] if "{" not in p}
        for script in SCRIPTS:
            if script.language == language:
                assert not foreign & set(script.turns), script


def test_customers_paste_errors_click_buttons_and_ask_for_a_person():
    messages = [m for script in SCRIPTS for m in script.turns]
    assert any(m.startswith("Account ") and m.split()[1].isdigit() for m in messages)
    assert any("FileId" in m for m in messages)
    assert any("/request_human" == m for m in messages)
    assert any("person" in m or "människa" in m for m in messages)
    clicks = {m for m in messages if m.startswith("/")}
    assert clicks == set(BUTTONS)


def test_every_click_is_one_of_the_assistants_buttons():
    payloads = domain_payloads()
    assert set(BUTTONS) <= payloads
    assert {m for c in CONVERSATIONS for m in c if m.startswith("/")} - {"/period_closed"} <= payloads


def test_the_same_seed_gives_the_same_scripts():
    assert conversation(random.Random(7)) == conversation(random.Random(7))
    assert long_conversation(random.Random(7), 200) == long_conversation(random.Random(7), 200)


def test_a_long_conversation_has_exactly_its_turns_in_one_language():
    for seed in range(5):
        script = long_conversation(random.Random(seed), 200)
        assert len(script.turns) == 200


def test_conversation_ids_pass_the_channels_check_and_carry_the_runs_tag():
    ids = {sender_id("bench1a2b3c") for _ in range(100)}
    assert len(ids) == 100
    assert all(i.startswith("bench1a2b3c") and sender_problem(i) is None for i in ids)
