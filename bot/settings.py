"""All configuration, read from environment variables with working defaults.

Nothing else in the project reads os.environ: import ``settings()`` and ask it.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional

PROJECT_ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = PROJECT_ROOT / "var"
# Every Rasa process we start (server, training) runs with Rasa's telemetry off: it would
# send usage reports and error reports (with a customer's words in them) to Rasa.
NO_TELEMETRY = {"RASA_TELEMETRY_ENABLED": "false"}


# Defaults that differ between the two ways to run the assistant (README): embedded
# for `make run` (SQLite, one Rasa process), production for `make run-prod`.
PROFILE_DEFAULTS = {
    "embedded": {
        "RASA_PROCESSES": "1",
        "REDIS_URL": "",
        "TRUSTED_PROXIES": "",
        "ACTIONS_IN_PROCESS": "0",
    },
    "production": {
        "DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/test",
        "TRACKER_STORE_URL": "postgresql://postgres@127.0.0.1:5432/test",
        "RASA_PROCESSES": "2",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        # The production nginx (bot/ops/balancer.py) reaches the processes from loopback.
        "TRUSTED_PROXIES": "127.0.0.1",
        # No action server: each Rasa process runs the actions (bot/runtime/in_process_actions.py).
        "ACTIONS_IN_PROCESS": "1",
    },
}


@dataclass(frozen=True)
class Settings:
    # "embedded" or "production" (ASSISTANT_PROFILE): picks the defaults above.
    profile: str
    # The project's own tables (handoff tickets, later staff data).
    database_url: str
    # Rasa's tracker store: every conversation, event by event.
    tracker_store_url: str
    rasa_port: int
    action_port: int
    # The demo page with the chat widget (and later the staff console).
    pages_port: int
    # How many consecutive misunderstood messages before a human takes over.
    max_misunderstood: int
    # How many of the customer's latest messages a handoff ticket keeps.
    ticket_recent_messages: int
    # A turn reads the conversation's latest customer messages (at least this many, at most
    # twice as many) and the state before them, not the whole session
    # (bot/runtime/tracker_window.py); 0: the whole session, as stock Rasa.
    tracker_window_messages: int
    # --- Understanding (bot/nlu/decide.py; README "Evaluation" has the figures behind them) ---
    # No fix below this classifier confidence: the customer is asked instead.
    fix_confidence: float
    # Any other intent (greet, a person, yes/no ...) below this: not understood.
    intent_confidence: float
    # Top two errors closer than this: "Is it A or B?" instead of a fix.
    clarify_margin: float
    # ... when the two together have at least this confidence; else not understood.
    clarify_floor: float
    # --- Production profile (README "Production profile") ---
    # Redis for Rasa's lock store; empty: the in-memory lock store (one process only).
    redis_url: str
    # Rasa server processes behind the load balancer on rasa_port; 1: no balancer.
    rasa_processes: int
    # Token for Rasa's HTTP API; empty: the API is not enabled at all.
    rasa_api_token: str
    # Custom actions run inside each Rasa process instead of the action server
    # (bot/runtime/in_process_actions.py): about a tenth of a turn's CPU less.
    actions_in_process: bool
    # The secret Rasa sends the action server (bot/ops/action_server.py); empty: the
    # launcher makes one once per machine, var/action-server-token (mode 600).
    action_server_token: str
    # A request must arrive whole (headers and body) within this many seconds, however
    # slowly it trickles in (Rasa and the action server: bot/runtime/slow_clients.py).
    request_read_timeout_seconds: float
    # Longest customer message the assistant reads; longer ones get a polite answer.
    max_message_chars: int
    # Messages allowed per minute from one conversation, and from one address.
    rate_limit_per_sender: int
    rate_limit_per_address: int
    # --- Staff console ---
    # Signs the console's session cookies; empty: generated once, kept in var/.
    console_secret_key: str
    # The first admin's password on first start; empty: a random one, printed once.
    console_admin_password: str
    # Session cookies sent over HTTPS only (behind a TLS-terminating proxy: set 1).
    console_secure_cookies: bool
    # How long a sign-in lasts at most, in hours.
    console_session_hours: int
    # A console session ends after this many minutes without a request.
    console_idle_minutes: int
    # Times in the console are shown, and dates filtered, in this time zone.
    console_timezone: str
    # --- Trainer ---
    # Customer messages below this intent confidence go to the NLU inbox.
    trainer_confidence: float
    # Conversations with one of these tags (comma-separated) go to the NLU inbox.
    trainer_inbox_tags: tuple
    # How far back the NLU inbox looks, in days.
    trainer_inbox_days: int
    # --- Live handoff ---
    # When the support team answers chats (bot/handoff/hours.py): "mon-fri 08:00-17:00",
    # several with commas ("mon-fri 08:00-17:00, sat 10:00-14:00"), "always" or "never".
    handoff_hours: str
    # The time zone of those hours.
    handoff_timezone: str
    # How long a conversation waits for an agent to claim it before the customer is told
    # when to expect an answer and asked for an e-mail address; 0: no limit.
    handoff_claim_timeout_seconds: int
    # Rasa's HTTP API as the pages process reaches it; empty: http://127.0.0.1:RASA_PORT.
    handoff_rasa_url: str
    # The agent inbox warns when more tickets than this are unclosed (waiting, in progress
    # or follow-up): a backlog, or a flood of escalations; 0: never.
    handoff_active_warning: int
    # --- Web pages ---
    # Chat servers (origins, comma-separated) the demo page's ?server= may name and the
    # page may connect to; empty: the page's own origin and its host on RASA_PORT.
    widget_servers: tuple
    # A request to the pages server must arrive whole within this many seconds (slow
    # clients that trickle headers are cut off), and an idle connection closes after it.
    pages_request_seconds: int
    # New handoff tickets allowed per customer address and hour, and in all per hour
    # (bot/handoff/flood.py); 0: no limit.
    escalations_per_address_per_hour: int
    escalations_per_hour: int
    # --- Network ---
    # Proxies whose X-Real-IP header names the client (comma-separated addresses,
    # bot/client_address.py); from anyone else the connection's peer counts.
    trusted_proxies: tuple
    # --- What customers read (defaults from the bank's help page, docs/export-failed-help.txt) ---
    # The bank's name and the web site where its online service is: in the fixes, the
    # greeting and the demo page.
    bank_name: str
    bank_site: str
    # Support's contact details, given wherever the assistant sends a customer elsewhere
    # (no case could be opened); empty phone or page: not mentioned.  The e-mail address is
    # a placeholder until the bank's real one is set (the help page names none).
    support_email: str
    support_phone: str
    support_page: str
    # Web pages (scheme://host:port, comma-separated) whose scripts may talk to the Rasa
    # server: its CORS answers and the socket.io channel's origin check (issue 14, item 6).
    # Default: the demo page as the launcher serves it (localhost and 127.0.0.1 on
    # PAGES_PORT); a bank sets the pages the widget is embedded in.
    allowed_origins: tuple


def _sqlite_url(name: str) -> str:
    return f"sqlite:///{VAR_DIR / name}"


def _is_on(value: str) -> bool:
    """A switch's value: "1", "true" or "yes" turn it on, anything else off."""
    return value in ("1", "true", "yes")


def settings(env: Optional[Mapping[str, str]] = None) -> Settings:
    """The settings from ``env`` (default: this process's environment)."""
    env = os.environ if env is None else env
    profile = env.get("ASSISTANT_PROFILE", "embedded")
    if profile not in PROFILE_DEFAULTS:
        raise ValueError(f"ASSISTANT_PROFILE must be one of {sorted(PROFILE_DEFAULTS)}")
    defaults = {
        "DATABASE_URL": _sqlite_url("assistant.db"),
        "TRACKER_STORE_URL": _sqlite_url("tracker.db"),
        **PROFILE_DEFAULTS[profile],
    }
    pages_port = int(env.get("PAGES_PORT", "8080"))
    own_pages = f"http://localhost:{pages_port},http://127.0.0.1:{pages_port}"
    return Settings(
        profile=profile,
        database_url=env.get("DATABASE_URL", defaults["DATABASE_URL"]),
        tracker_store_url=env.get("TRACKER_STORE_URL", defaults["TRACKER_STORE_URL"]),
        rasa_port=int(env.get("RASA_PORT", "5005")),
        action_port=int(env.get("ACTION_PORT", "5055")),
        pages_port=pages_port,
        max_misunderstood=int(env.get("MAX_MISUNDERSTOOD", "2")),
        ticket_recent_messages=int(env.get("TICKET_RECENT_MESSAGES", "5")),
        tracker_window_messages=int(env.get("TRACKER_WINDOW_MESSAGES", "6")),
        fix_confidence=float(env.get("FIX_CONFIDENCE", "0.95")),
        intent_confidence=float(env.get("INTENT_CONFIDENCE", "0.5")),
        clarify_margin=float(env.get("CLARIFY_MARGIN", "0.2")),
        clarify_floor=float(env.get("CLARIFY_FLOOR", "0.7")),
        redis_url=env.get("REDIS_URL", defaults["REDIS_URL"]),
        rasa_processes=int(env.get("RASA_PROCESSES", defaults["RASA_PROCESSES"])),
        rasa_api_token=env.get("RASA_API_TOKEN", ""),
        actions_in_process=_is_on(env.get("ACTIONS_IN_PROCESS", defaults["ACTIONS_IN_PROCESS"])),
        action_server_token=env.get("ACTION_SERVER_TOKEN", ""),
        request_read_timeout_seconds=float(env.get("REQUEST_READ_TIMEOUT_SECONDS", "10")),
        max_message_chars=int(env.get("MAX_MESSAGE_CHARS", "5000")),
        rate_limit_per_sender=int(env.get("RATE_LIMIT_PER_SENDER", "30")),
        rate_limit_per_address=int(env.get("RATE_LIMIT_PER_ADDRESS", "120")),
        console_secret_key=env.get("CONSOLE_SECRET_KEY", ""),
        console_admin_password=env.get("CONSOLE_ADMIN_PASSWORD", ""),
        console_secure_cookies=_is_on(env.get("CONSOLE_SECURE_COOKIES", "0")),
        console_session_hours=int(env.get("CONSOLE_SESSION_HOURS", "8")),
        console_idle_minutes=int(env.get("CONSOLE_IDLE_MINUTES", "30")),
        console_timezone=env.get("CONSOLE_TIMEZONE", "Europe/Stockholm"),
        trainer_confidence=float(env.get("TRAINER_CONFIDENCE", "0.7")),
        trainer_inbox_tags=tuple(
            t.strip().lower() for t in env.get("TRAINER_INBOX_TAGS", "training").split(",") if t.strip()
        ),
        trainer_inbox_days=int(env.get("TRAINER_INBOX_DAYS", "30")),
        handoff_hours=env.get("HANDOFF_HOURS", "mon-fri 08:00-17:00"),
        handoff_timezone=env.get("HANDOFF_TIMEZONE", "Europe/Stockholm"),
        handoff_claim_timeout_seconds=int(env.get("HANDOFF_CLAIM_TIMEOUT_SECONDS", "180")),
        handoff_rasa_url=env.get("HANDOFF_RASA_URL", ""),
        handoff_active_warning=int(env.get("HANDOFF_ACTIVE_WARNING", "100")),
        widget_servers=tuple(
            s.strip() for s in env.get("WIDGET_SERVERS", "").split(",") if s.strip()
        ),
        pages_request_seconds=int(env.get("PAGES_REQUEST_SECONDS", "20")),
        escalations_per_address_per_hour=int(env.get("ESCALATIONS_PER_ADDRESS_PER_HOUR", "3")),
        escalations_per_hour=int(env.get("ESCALATIONS_PER_HOUR", "200")),
        trusted_proxies=tuple(
            a.strip() for a in env.get("TRUSTED_PROXIES", defaults["TRUSTED_PROXIES"]).split(",") if a.strip()
        ),
        bank_name=env.get("BANK_NAME", "Nordea").strip() or "Nordea",
        bank_site=env.get("BANK_SITE", "Nordea.se").strip() or "Nordea.se",
        support_email=env.get("SUPPORT_EMAIL", "support@nordea.se").strip(),
        support_phone=env.get("SUPPORT_PHONE", "").strip(),
        support_page=env.get("SUPPORT_PAGE", "").strip(),
        allowed_origins=tuple(
            o.strip().rstrip("/") for o in env.get("ALLOWED_ORIGINS", own_pages).split(",") if o.strip()
        ),
    )
