"""The sign-in throttle (issue 14 item 5) through the console's sign-in form, counting in
the project's database (SQLite) or in the Redis at 127.0.0.1:6379 (keys under a namespace
of each test's own), on a clock of the test's own: no test sleeps or depends on when it
runs.  The slow-down's waits are recorded, not slept."""
import limits.storage.redis
import pytest

from bot.console.login_throttle import FREE_PER_ADDRESS, MAX_DELAY_SECONDS, LoginThrottle
from tests.support.console import PASSWORD, make_console
from tests.support.redis_namespaces import redis_namespace

REDIS_URL = "redis://127.0.0.1:6379/15"
PROXY = "127.0.0.1"
WRONG = "not the password at all"


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now

    def time(self) -> float:  # as limits' Redis storage reads it: ``time.time()``
        return self.now

    def advance(self, minutes: float) -> None:
        self.now += minutes * 60


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(limits.storage.redis, "time", clock)  # fails if limits stops reading it there
    return clock


@pytest.fixture
def namespace():
    with redis_namespace(REDIS_URL) as namespace:
        yield namespace


@pytest.fixture(params=["database", "redis"])
def storage(request):
    return REDIS_URL if request.param == "redis" else ""


def throttled(console, clock, namespace, redis_url):
    """``console`` with a throttle on ``clock`` whose waits go to ``console.waits``."""
    console.waits = []
    console.app.extensions["console"]["throttle"] = LoginThrottle(
        console.databases.sessions, redis_url, clock=clock, sleep=console.waits.append,
        namespace=namespace)
    return console


@pytest.fixture
def console(sqlite_databases, clock, namespace, storage):
    made = make_console(sqlite_databases, TRUSTED_PROXIES=PROXY)
    return throttled(made, clock, namespace, storage)


def sign_in(console, username, password=PASSWORD, address="10.1.2.3"):
    """A sign-in from ``address`` as the trusted proxy reports it (X-Real-IP)."""
    return console.new_client().client.post("/console/login", data={
        "username": username, "password": password, "csrf_token": "x"},
        headers={"X-Real-IP": address}, environ_base={"REMOTE_ADDR": PROXY})


@pytest.fixture(autouse=True)
def no_csrf_for_sign_in(monkeypatch):
    # Each attempt here is a new browser; the form's CSRF token is tested elsewhere.
    from bot.console import shared

    monkeypatch.setattr(shared, "csrf_valid", lambda: True)


def test_twenty_wrong_passwords_over_five_names_do_not_lock_out_the_admin(console):
    for name in ("anna", "tove", "adam", "nobody", "eve"):
        for _ in range(4):
            assert sign_in(console, name, WRONG).status_code == 401
    assert sign_in(console, "adam").status_code == 302
    assert sign_in(console, "anna").status_code == 302


def test_many_failures_from_one_address_only_slow_it_down(console):
    for number in range(FREE_PER_ADDRESS + 14):  # the wait reaches its cap at +12
        assert sign_in(console, f"user{number}", WRONG).status_code == 401
    assert sign_in(console, "adam").status_code == 302
    assert console.waits and max(console.waits) == MAX_DELAY_SECONDS
    assert console.waits == sorted(console.waits)
    # Another address is not slowed down.
    waited = len(console.waits)
    assert sign_in(console, "tove", address="10.9.9.9").status_code == 302
    assert len(console.waits) == waited


def test_five_failures_lock_that_name_from_that_address_only(console, clock):
    for _ in range(5):
        assert sign_in(console, "anna", WRONG).status_code == 401
    refused = sign_in(console, "anna")
    assert refused.status_code == 429
    assert "Too many failed attempts" in refused.get_data(as_text=True)
    assert 0 < int(refused.headers["Retry-After"]) <= 15 * 60
    assert sign_in(console, "anna", address="10.4.4.4").status_code == 302
    clock.advance(16)
    assert sign_in(console, "anna").status_code == 302


def test_ten_failures_lock_a_name_from_every_address_with_backoff(console, clock):
    for number in range(10):
        assert sign_in(console, "anna", WRONG, address=f"10.0.0.{number}").status_code == 401
    locked = sign_in(console, "anna", address="10.0.1.1")
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) <= 15 * 60
    assert sign_in(console, "tove", address="10.0.1.1").status_code == 302
    clock.advance(16)
    assert sign_in(console, "anna", address="10.0.1.1").status_code == 302
    # Ten more within the hour: now locked until the hour has passed.
    for number in range(10):
        assert sign_in(console, "anna", WRONG, address=f"10.0.2.{number}").status_code == 401
    clock.advance(16)
    longer = sign_in(console, "anna", address="10.0.1.1")
    assert longer.status_code == 429 and int(longer.headers["Retry-After"]) > 15 * 60
    clock.advance(31)
    assert sign_in(console, "anna", address="10.0.1.1").status_code == 302


def test_the_counts_are_shared_by_every_process(console, clock, namespace, storage):
    other_process = throttled(console_app(console), clock, namespace, storage)
    for _ in range(3):
        assert sign_in(console, "anna", WRONG).status_code == 401
    for _ in range(2):
        assert sign_in(other_process, "anna", WRONG).status_code == 401
    assert sign_in(console, "anna").status_code == 429
    assert sign_in(other_process, "anna").status_code == 429


def console_app(console):
    """A second app (another process) on the same databases and users."""
    from bot.ops.pages import create_app
    from tests.support.console import Console

    app = create_app(console.app.extensions["console"]["config"], console.databases)
    app.config["TESTING"] = True
    return Console(app, console.databases)


def test_only_the_trusted_proxy_names_the_client(console):
    for number in range(5):
        # X-Real-IP from an untrusted peer: every attempt counts for that peer.
        console.new_client().client.post("/console/login", data={
            "username": "anna", "password": WRONG}, headers={"X-Real-IP": f"10.7.7.{number}"},
            environ_base={"REMOTE_ADDR": "192.0.2.8"})
    assert console.new_client().client.post("/console/login", data={
        "username": "anna", "password": PASSWORD}, headers={"X-Real-IP": "10.8.8.8"},
        environ_base={"REMOTE_ADDR": "192.0.2.8"}).status_code == 429
    assert sign_in(console, "anna", address="10.8.8.8").status_code == 302


def test_without_redis_answering_the_database_counts(sqlite_databases, clock, namespace):
    from tests.support.ports import refused_port

    with refused_port() as port:
        console = throttled(make_console(sqlite_databases, TRUSTED_PROXIES=PROXY), clock,
                            namespace, f"redis://127.0.0.1:{port}/0")
        for _ in range(5):
            assert sign_in(console, "anna", WRONG).status_code == 401
        assert sign_in(console, "anna").status_code == 429

