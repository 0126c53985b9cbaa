"""Our Rasa entry point (bot/runtime/rasa_server.py) runs Rasa with its telemetry off."""
import sys

from bot.runtime import rasa_server


def test_rasa_runs_with_telemetry_off_whatever_the_machine_says(monkeypatch):
    """~/.config/rasa/global.yml says "enabled: true" on a machine where someone once ran
    `rasa init`; the environment says true here too.  Rasa must still see it off: it would
    send usage and error reports, with customers' words in their stack frames, to Rasa."""
    import rasa.__main__
    from rasa import telemetry

    monkeypatch.setenv("RASA_TELEMETRY_ENABLED", "true")
    seen = []
    monkeypatch.setattr(rasa.__main__, "main", lambda: seen.append(
        (telemetry.is_telemetry_enabled(), list(sys.argv))))
    # The patches are tested on their own (test_rasa_patches.py); here they are not applied.
    for module in (rasa_server, rasa_server.payload_entities, rasa_server.slow_clients):
        monkeypatch.setattr(module, "apply", lambda *args: None)
    monkeypatch.setattr(sys, "argv", ["rasa_server", "run", "--port", "5005"])
    rasa_server.main()
    assert seen == [(False, ["rasa", "run", "--port", "5005"])]
