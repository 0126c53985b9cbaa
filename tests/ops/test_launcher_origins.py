"""Which pages may talk to the Rasa server (issue 14, item 6): a setting, handed to Rasa's
CORS by the launcher; never "*" (Rasa answers with Allow-Credentials)."""
from bot.ops.launcher import processes
from bot.settings import settings


def cors_of(argv):
    start = argv.index("--cors") + 1
    end = next((i for i in range(start, len(argv)) if argv[i].startswith("--")), len(argv))
    return argv[start:end]


def test_by_default_only_the_demo_page_as_the_launcher_serves_it(tmp_path):
    config = settings({"PAGES_PORT": "8123", "RASA_PORT": "5123"})
    assert config.allowed_origins == ("http://localhost:8123", "http://127.0.0.1:8123")
    rasa = processes(config, tmp_path)["rasa server"]
    assert cors_of(rasa.argv) == ["http://localhost:8123", "http://127.0.0.1:8123"]
    assert "*" not in rasa.argv


def test_the_bank_sets_the_pages_that_embed_the_widget(tmp_path):
    config = settings({"ALLOWED_ORIGINS": " https://bank.example/ ,https://www.bank.example", "RASA_PORT": "5123"})
    assert config.allowed_origins == ("https://bank.example", "https://www.bank.example")
    assert cors_of(processes(config, tmp_path)["rasa server"].argv) == list(config.allowed_origins)
