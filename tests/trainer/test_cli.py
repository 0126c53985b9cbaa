"""The command line: inbox with ids, accept/relabel/dismiss by id, add, models, rollback."""
import json
import re

import pytest

from bot.ops.trainer import main
from bot.trainer.registry import Registry, write_json
from tests.support.trainer_data import FLAGGED_EN, LOW_SV, MASKED_STORED, UNSURE_EN


@pytest.fixture
def cli(seeded, project, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", str(seeded.project.url))
    monkeypatch.setenv("TRACKER_STORE_URL", str(seeded.tracker.url))
    monkeypatch.delenv("RASA_API_TOKEN", raising=False)

    def run(*argv):
        code = main(["--root", str(project.root), *argv])
        out, err = capsys.readouterr()
        return code, out, err

    run.databases = seeded
    return run


def ids(listing: str):
    return {text.strip(): ident for ident, text in re.findall(r"^(\w{10}) .*\n    (.*)$", listing, re.M)}


def test_inbox_accept_relabel_dismiss(cli, project):
    code, out, _ = cli("inbox")
    assert code == 0
    listed = ids(out)
    assert {UNSURE_EN, LOW_SV, FLAGGED_EN, MASKED_STORED} <= set(listed)
    assert "[masked personal data: dismiss only]" in out

    code, out, _ = cli("accept", listed[UNSURE_EN][:6])
    assert code == 0 and "data/nlu/en.yml as export_failed" in out
    code, out, _ = cli("relabel", listed[LOW_SV], "export_failed")
    assert code == 0 and "data/nlu/sv.yml as export_failed" in out
    code, _, err = cli("relabel", listed[MASKED_STORED], "request_human")
    assert code == 1 and "masked personal data" in err
    code, out, _ = cli("dismiss", listed[FLAGGED_EN])
    assert code == 0 and "Dismissed" in out

    code, out, _ = cli("inbox", "--json")
    left = {item["text"] for item in json.loads(out)}
    assert not left & {UNSURE_EN, LOW_SV, FLAGGED_EN} and MASKED_STORED in left
    assert f"    - {UNSURE_EN}\n" in (project.nlu_dir / "en.yml").read_text(encoding="utf-8")
    assert f"    - {LOW_SV}\n" in (project.nlu_dir / "sv.yml").read_text(encoding="utf-8")
    assert cli("accept", "nosuchid")[0] == 2


def test_add(cli, project):
    code, out, _ = cli("add", "kvittot vägrar fastna på transaktionen", "--intent", "receipt_not_connected")
    assert code == 0 and "data/nlu/sv.yml" in out  # the language is detected
    code, out, _ = cli("add", "receipt will not stick", "--intent", "receipt_not_connected", "--language", "sv")
    assert code == 0 and "data/nlu/sv.yml" in out
    code, _, err = cli("add", "Account 1930 is not active", "--intent", "period_closed")
    assert code == 1 and "Another intent has this example: account_not_active" in err


def test_long_numbers_are_refused(cli, project):
    from tests.support.trainer_data import NUMBER_EN, seed_number

    seed_number(cli.databases)
    listed = ids(cli("inbox")[1])
    before = (project.nlu_dir / "en.yml").read_text(encoding="utf-8")
    code, _, err = cli("accept", listed[NUMBER_EN])
    assert code == 1 and "Refused: The message may hold personal data: it holds a number of 8 digits" in err
    code, _, err = cli("add", "pnr 19121212 - 1212 cannot export", "--intent", "export_failed")
    assert code == 1 and "([personnummer])" in err
    assert (project.nlu_dir / "en.yml").read_text(encoding="utf-8") == before


def test_models_and_rollback(cli, project):
    assert "No models in the registry yet" in cli("models")[1]
    registry = Registry(project)
    first = registry.create(source="trained", by="tove", fingerprint="f1")
    first.model.write_bytes(b"1")
    second = registry.create(source="trained", by="tove", fingerprint="f2")
    second.model.write_bytes(b"2")
    write_json(second.path / "evaluation.json", {"accuracy": 0.957, "by_language": {"en": [134, 140], "sv": [134, 140]}})
    write_json(second.path / "comparison.json", {"passed": True})
    registry.save_state({"current": second.id, "previous": [first.id]})
    out = cli("models")[1]
    assert re.search(rf"^\* {second.id} .*accuracy 95.7%  en 95.7% sv 95.7%  passed the gate", out, re.M)
    assert re.search(rf"^  {first.id} .*not evaluated", out, re.M)
    code, out, _ = cli("rollback")
    assert code == 0 and f"Rolled back to {first.id}" in out
    assert project.current_model.read_bytes() == b"1"
    assert cli("rollback")[0] == 1


def test_inbox_filters_search_and_sort(cli):
    code, out, _ = cli("inbox", "--reason", "low confidence", "--language", "sv")
    assert code == 0 and set(ids(out)) == {LOW_SV}
    code, out, _ = cli("inbox", "--search", "triangle")
    assert set(ids(out)) == {FLAGGED_EN}
    code, out, _ = cli("inbox", "--predicted", "export_failed", "--sort", "newest")
    assert list(ids(out)) == [FLAGGED_EN, UNSURE_EN]
    code, out, _ = cli("inbox", "--since", "2000-01-01", "--until", "2000-01-31", "--json")
    assert code == 0 and json.loads(out) == []
    code, _, err = cli("inbox", "--since", "yesterday")
    assert code == 2 and "date from" in err
