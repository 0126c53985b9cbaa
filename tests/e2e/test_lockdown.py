"""The embedded profile never opens Rasa's HTTP API (no token configured)."""
import requests


def test_http_api_is_not_enabled_without_a_token(assistant, rasa_url):
    for path in ("/status", "/conversations/x/tracker", "/model/parse"):
        response = requests.get(f"{rasa_url}{path}", timeout=10)
        assert response.status_code in (404, 405), (path, response.status_code)
