"""Where the custom actions run: in the Rasa processes (the production profile's default,
bot/runtime/in_process_actions.py) or in the action server behind nginx (the embedded
profile, and production with ACTIONS_IN_PROCESS=0)."""
import yaml

from bot.ops.launcher import processes
from bot.runtime.action_calls import ACTION_FAILED_BODY, PACKAGE_KEY
from bot.settings import settings

PRODUCTION = {"ASSISTANT_PROFILE": "production", "RASA_PORT": "5123", "ACTION_PORT": "5160"}


def endpoints_of(specs):
    argv = specs["rasa server 1" if "rasa server 1" in specs else "rasa server"].argv
    return yaml.safe_load(open(argv[argv.index("--endpoints") + 1], encoding="utf-8"))


def test_the_production_profile_runs_the_actions_in_its_rasa_processes(tmp_path):
    config = settings(PRODUCTION)
    assert config.actions_in_process
    specs = processes(config, tmp_path)
    assert set(specs) == {"rasa server 1", "rasa server 2", "load balancer", "pages"}
    assert endpoints_of(specs)["action_endpoint"] == {PACKAGE_KEY: "actions", "enable_selective_domain": True}
    nginx = (tmp_path / "nginx.conf").read_text()
    assert "upstream actions" not in nginx and ACTION_FAILED_BODY not in nginx
    assert "listen 127.0.0.1:5160" not in nginx


def test_with_an_action_server_nginx_answers_for_it_when_it_fails(tmp_path):
    config = settings({**PRODUCTION, "ACTIONS_IN_PROCESS": "0"})
    specs = processes(config, tmp_path)
    assert "action server" in specs and specs["action server"].health_url.endswith(":5161/health")
    endpoint = endpoints_of(specs)["action_endpoint"]
    assert endpoint["url"] == "http://127.0.0.1:5160/webhook" and PACKAGE_KEY not in endpoint
    nginx = (tmp_path / "nginx.conf").read_text()
    assert "listen 127.0.0.1:5160;" in nginx and "server 127.0.0.1:5161" in nginx
    assert f"return 200 '{ACTION_FAILED_BODY}';" in nginx


def test_make_run_keeps_its_action_server_unless_told(tmp_path):
    assert not settings({}).actions_in_process
    assert "action server" in processes(settings({}), tmp_path)
    config = settings({"ACTIONS_IN_PROCESS": "1"})
    specs = processes(config, tmp_path)
    assert "action server" not in specs
    assert endpoints_of(specs)["action_endpoint"] == {PACKAGE_KEY: "actions", "enable_selective_domain": True}
