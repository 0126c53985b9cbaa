"""Rasa's HTTP API is never open: it answers only with the run's token."""
import requests


def test_http_api_needs_the_token(assistant, rasa_url):
    token = assistant.env["RASA_API_TOKEN"]
    assert len(token) >= 24
    for path in ("/status", "/conversations/0123456789abcdef/tracker"):
        assert requests.get(f"{rasa_url}{path}", timeout=10).status_code == 401, path
        assert requests.get(f"{rasa_url}{path}", params={"token": "guess"},
                            timeout=10).status_code == 401, path
        assert requests.get(f"{rasa_url}{path}", params={"token": token},
                            timeout=10).status_code == 200, path
