"""Insights' data against a seeded database, the spike rule, and the charts as PNG."""
import datetime as dt
import random
from zoneinfo import ZoneInfo

import pytest

from bot.ops.sample_data import Conversation, random_conversation, store
from bot.trainer.charts import CHARTS, render
from bot.trainer.insights import NO_ERROR, insights, spikes

TZ = ZoneInfo("Europe/Stockholm")
NOW = dt.datetime(2024, 3, 20, 15, 0, tzinfo=TZ).timestamp()
DAY = 86400


def conversation(n, start, intent="account_not_active", outcome="affirm", language="en"):
    c = Conversation(f"insights-{n:05d}", start, language, random.Random(n))
    if intent == "fallback":
        c.not_understood(ticket_id=n, times=2)  # escalates
    else:
        c.error_turn(intent)
        if outcome == "affirm":
            c.affirm()
        elif outcome == "deny":
            c.deny(ticket_id=n)
    return c


@pytest.fixture
def seeded_history(databases):
    made, n = [], 0
    # Days 1-8 before: each day 2 account_not_active (one resolved, one escalated),
    # 1 period_closed (resolved), 1 fallback (escalated).
    for back in range(1, 9):
        start = NOW - back * DAY
        for intent, outcome in (("account_not_active", "affirm"), ("account_not_active", "deny"),
                                ("period_closed", "affirm"), ("fallback", None)):
            n += 1
            made.append(conversation(n, start + n, intent, outcome))
    # The last 24 hours: invalid_refresh_token jumps to 6 (an outage), 2 account_not_active.
    for k in range(6):
        n += 1
        made.append(conversation(n, NOW - 3600 * (k + 1), "invalid_refresh_token", "deny"))
    for k in range(2):
        n += 1
        made.append(conversation(n, NOW - 600 * (k + 1), "account_not_active", "affirm", "sv"))
    store(databases, made)
    return databases


def test_the_figures(seeded_history):
    with seeded_history.sessions() as session:
        data = insights(session, TZ, now=NOW, days=30)
    assert len(data.days) == 30 and data.days[-1].day == dt.date(2024, 3, 20)
    assert data.total == 8 * 4 + 8
    by_day = {d.day: d for d in data.days}
    earlier = by_day[dt.date(2024, 3, 15)]
    assert (earlier.conversations, earlier.escalated, earlier.fell_back) == (4, 2, 1)
    assert earlier.containment == pytest.approx(0.5) and earlier.fallback_rate == pytest.approx(0.25)
    today = by_day[dt.date(2024, 3, 20)]
    assert today.conversations == 8 and today.escalated == 6  # 6 outage conversations before 15:00
    assert by_day[dt.date(2024, 3, 1)].conversations == 0 and by_day[dt.date(2024, 3, 1)].containment is None
    assert dict(data.escalations_by_error) == {
        "account_not_active": 8, NO_ERROR: 8, "invalid_refresh_token": 6}
    # This week: the last 7 x 24 hours (days 1-7 back, seeded just after NOW - 7 days, and today).
    assert data.errors_this_week == [
        ("account_not_active", 2 * 7 + 2), ("period_closed", 7), ("invalid_refresh_token", 6)]
    assert data.containment == pytest.approx(1 - 22 / 40)
    assert data.fallback_rate == pytest.approx(8 / 40)


def test_a_sudden_rise_is_flagged_and_the_usual_rate_is_not(seeded_history):
    with seeded_history.sessions() as session:
        found = spikes(session, NOW)
    assert [(s.error, s.last_24h, s.daily_average) for s in found] == [("invalid_refresh_token", 6, 0.0)]
    # account_not_active: 2 in the last 24 h against 2 a day before: usual.


def test_below_five_conversations_nothing_is_flagged(databases):
    store(databases, [conversation(n, NOW - 3600 * n, "period_closed", "deny") for n in range(1, 5)])
    with databases.sessions() as session:
        assert spikes(session, NOW) == []
    store(databases, [conversation(99, NOW - 60, "period_closed", "deny")])
    with databases.sessions() as session:
        assert [s.error for s in spikes(session, NOW)] == ["period_closed"]


def test_three_times_the_usual_rate_is_the_threshold(databases):
    # 14 over the previous 7 days = 2 a day; 5 today is 2.5x: not flagged; 6 is 3x: flagged.
    made = [conversation(n, NOW - DAY - 3600 * 11 * n, "no_active_license") for n in range(1, 15)]
    made += [conversation(100 + n, NOW - 3600 * n, "no_active_license") for n in range(1, 6)]
    store(databases, made)
    with databases.sessions() as session:
        assert spikes(session, NOW) == []
    store(databases, [conversation(200, NOW - 60, "no_active_license")])
    with databases.sessions() as session:
        assert [(s.error, s.last_24h, s.daily_average) for s in spikes(session, NOW)] == [
            ("no_active_license", 6, 2.0)]


def test_the_charts_are_pictures(databases):
    rng = random.Random(5)
    store(databases, [random_conversation(rng, NOW - rng.uniform(0, 20 * DAY), n) for n in range(200)])
    evaluation = {"model": "m1", "confusion": {"greet": {"greet": 9, "nlu_fallback": 1},
                                               "period_closed": {"period_closed": 10}}}
    with databases.sessions() as session:
        data = insights(session, TZ, now=NOW)
    assert data.total == 200
    for name in CHARTS:
        png = render(name, data, evaluation)
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000, name
    # Nothing to show: still a picture, saying so.
    with databases.sessions() as session:
        empty = insights(session, TZ, now=NOW + 400 * DAY)
    assert render("conversations", empty)[:4] == b"\x89PNG"
    assert render("confusion", empty, None)[:4] == b"\x89PNG"


def test_with_no_data_the_week_before_a_rise_is_new_not_unusual(databases):
    store(databases, [conversation(n, NOW - 3600 * n, "period_closed", "deny") for n in range(1, 7)])
    with databases.sessions() as session:
        (spike,) = spikes(session, NOW)
    assert spike.new and spike.ratio is None and spike.daily_average == 0.0
    store(databases, [conversation(50, NOW - 3 * DAY, "period_closed", "deny")])
    with databases.sessions() as session:
        (spike,) = spikes(session, NOW)
    assert not spike.new


def test_the_charts_and_tables_use_the_errors_titles():
    from bot.catalogue import load_catalogue
    from bot.trainer.insights import error_title, titled

    titles = {e.intent: e.title["en"] for e in load_catalogue().errors}
    assert error_title("period_closed") == titles["period_closed"] != "period_closed"
    assert error_title(NO_ERROR) == NO_ERROR and error_title("something_else") == "something_else"
    assert titled([("period_closed", 3), (NO_ERROR, 1)]) == [(titles["period_closed"], 3), (NO_ERROR, 1)]
