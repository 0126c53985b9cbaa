"""The Rasa HTTP API's token stays out of the process list (issue 14 item 8): the launcher
passes a file (mode 600) and our Rasa entry point reads it in the process."""
import os
import stat

from bot.ops.launcher import processes
from bot.runtime.rasa_server import with_token_from_file
from bot.settings import settings

TOKEN = "a-secret-api-token-123"


def test_no_command_line_holds_the_token(tmp_path):
    config = settings({"RASA_API_TOKEN": TOKEN, "RASA_PROCESSES": "2"})
    specs = processes(config, tmp_path, tmp_path / "model.tar.gz")
    assert not [name for name, spec in specs.items() if any(TOKEN in arg for arg in spec.argv)]
    rasa = specs["rasa server 1"].argv
    token_file = rasa[rasa.index("--auth-token-file") + 1]
    assert open(token_file).read() == TOKEN
    assert stat.S_IMODE(os.stat(token_file).st_mode) == 0o600


def test_the_rasa_process_hands_the_files_token_to_rasa(tmp_path):
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n")
    args = ["run", "--enable-api", "--auth-token-file", str(token_file), "--port", "5005"]
    assert with_token_from_file(args) == ["run", "--enable-api", "--auth-token", TOKEN, "--port", "5005"]
    assert with_token_from_file(["run"]) == ["run"]
