from bot.client_address import client_address


def test_the_header_counts_only_from_a_trusted_proxy():
    assert client_address("127.0.0.1", "203.0.113.7", ["127.0.0.1"]) == "203.0.113.7"
    assert client_address("127.0.0.1", "203.0.113.7", []) == "127.0.0.1"
    assert client_address("198.51.100.1", "203.0.113.7", ["127.0.0.1"]) == "198.51.100.1"


def test_a_forwarded_list_names_the_client_first():
    assert client_address("10.0.0.2", "203.0.113.7, 10.0.0.9", ["10.0.0.2"]) == "203.0.113.7"


def test_no_header_or_no_peer():
    assert client_address("127.0.0.1", None, ["127.0.0.1"]) == "127.0.0.1"
    assert client_address("127.0.0.1", "  ", ["127.0.0.1"]) == "127.0.0.1"
    assert client_address(None, "203.0.113.7", ["127.0.0.1"]) == "unknown"
