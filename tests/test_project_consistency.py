"""The Rasa project files agree with the catalogue and with the intent contract."""
from pathlib import Path

import yaml

from bot.catalogue import load_catalogue
from bot.catalogue.intents import CONTRACT_INTENTS as CONTRACT, ERROR_INTENTS, FALLBACK_INTENT
from bot.catalogue.nlu_data import GENERATED_FILE, catalogue_nlu_yaml

ROOT = Path(__file__).resolve().parents[1]
CONTRACT_INTENTS = set(CONTRACT)


def load(name):
    return yaml.safe_load((ROOT / name).read_text(encoding="utf-8"))


def nlu_intents(path):
    return {block["intent"] for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]}


def test_domain_declares_exactly_the_contract_intents():
    assert set(load("domain.yml")["intents"]) == CONTRACT_INTENTS


def test_the_catalogues_intents_are_the_contracts_error_intents():
    assert list(load_catalogue().intents) == list(ERROR_INTENTS)


def test_every_catalogue_error_has_a_rule_giving_its_fix():
    rules = load("data/rules.yml")["rules"]
    fixed = {
        rule["steps"][0]["intent"]
        for rule in rules
        if rule["steps"][1:] == [{"action": "action_give_fix"}]
    }
    assert fixed == set(load_catalogue().intents)


def test_every_intent_has_a_rule():
    rules = load("data/rules.yml")["rules"]
    ruled = {rule["steps"][0]["intent"] for rule in rules}
    assert ruled == CONTRACT_INTENTS | {FALLBACK_INTENT}


def test_generated_nlu_data_matches_the_catalogue():
    assert GENERATED_FILE.read_text(encoding="utf-8") == catalogue_nlu_yaml(), (
        "run `make nlu-data` after changing bot/catalogue/errors.yml"
    )


def test_training_and_test_data_cover_every_intent_in_both_languages():
    for folder in ("data/nlu", "tests/nlu"):
        for language in ("en", "sv"):
            assert nlu_intents(ROOT / folder / f"{language}.yml") == CONTRACT_INTENTS


def test_no_held_out_example_is_in_the_training_data():
    def examples(path):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]
        return {
            line[2:].strip().lower()
            for block in data
            for line in block["examples"].splitlines()
            if line.startswith("- ")
        }

    training = set().union(*(examples(p) for p in (ROOT / "data/nlu").glob("*.yml")))
    held_out = set().union(*(examples(p) for p in (ROOT / "tests/nlu").glob("*.yml")))
    assert not training & held_out
    # The validation set (thresholds are chosen on it) must not be trained on either.
    validation = set().union(*(examples(p) for p in (ROOT / "tests/nlu_validation").glob("*.yml")))
    assert not training & validation


def test_every_domain_response_has_a_swedish_variation():
    for name, variations in load("domain.yml")["responses"].items():
        conditions = [v.get("condition") for v in variations]
        assert None in conditions, f"{name} lacks its English default"
        assert [{"type": "slot", "name": "language", "value": "sv"}] in conditions, name
