"""Opening hours and when a customer can expect an answer."""
import datetime as dt

import pytest

from bot.handoff.hours import InvalidHours, OpeningHours, expected_answer

ZONE = "Europe/Stockholm"


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """A time in Stockholm in the week of Monday 25 November 2024 (UTC+1)."""
    return dt.datetime(2024, 11, 25, hour, minute, tzinfo=dt.timezone(dt.timedelta(hours=1))) + \
        dt.timedelta(days=day)


WEEKDAYS = OpeningHours.parse("mon-fri 08:00-17:00", ZONE)


@pytest.mark.parametrize("moment,open_", [
    (at(0, 8), True), (at(0, 7, 59), False), (at(0, 16, 59), True), (at(0, 17), False),
    (at(4, 12), True), (at(5, 12), False), (at(6, 12), False),
])
def test_weekdays_eight_to_five(moment, open_):
    assert WEEKDAYS.is_open(moment) is open_


def test_several_spans_single_days_and_midnight():
    hours = OpeningHours.parse("mon,wed 09:00-12:00, sat 10:00-14:00, fri 22:00-02:00", ZONE)
    assert hours.is_open(at(0, 10)) and not hours.is_open(at(1, 10)) and hours.is_open(at(2, 11))
    assert hours.is_open(at(5, 13)) and not hours.is_open(at(6, 13))
    assert hours.is_open(at(4, 23)) and hours.is_open(at(5, 1)) and not hours.is_open(at(5, 3))


def test_always_and_never():
    assert OpeningHours.parse("always", ZONE).is_open(at(6, 3))
    assert OpeningHours.parse("", ZONE).is_open(at(6, 3))
    never = OpeningHours.parse("never", ZONE)
    assert not never.is_open(at(0, 12)) and never.next_opening(at(0, 12)) is None


@pytest.mark.parametrize("text", ["weekdays", "mon-fri 8-17", "mon-fry 08:00-17:00",
                                  "mon 25:00-26:00"])
def test_unreadable_hours_are_refused(text):
    with pytest.raises(InvalidHours):
        OpeningHours.parse(text, ZONE)


@pytest.mark.parametrize("moment,language,expected", [
    (at(0, 10), "en", "today, before 17:00"),
    (at(0, 10), "sv", "i dag, före kl. 17.00"),
    (at(0, 6), "sv", "i dag efter kl. 08.00"),
    (at(0, 6), "en", "today after 08:00"),
    (at(0, 18), "en", "tomorrow after 08:00"),
    (at(0, 18), "sv", "i morgon efter kl. 08.00"),
    (at(4, 18), "en", "on Monday after 08:00"),
    (at(5, 9), "sv", "på måndag efter kl. 08.00"),
])
def test_when_to_expect_an_answer(moment, language, expected):
    assert expected_answer(WEEKDAYS, moment, language) == expected


def test_when_always_open():
    assert expected_answer(OpeningHours.parse("always", ZONE), at(6, 3), "en") == \
        "as soon as someone is free"


def test_unreadable_hours_mean_support_is_closed_where_the_customer_must_be_answered(caplog):
    # One reader (bot/handoff/hours.opening_hours): the action server then opens follow-up
    # tickets; nobody waits for a person.  Only a process starting up is strict.
    from bot.handoff.hours import opening_hours
    from bot.settings import settings

    hours = opening_hours(settings({"HANDOFF_HOURS": "weekdays, mostly",
                                    "HANDOFF_TIMEZONE": ZONE}))
    assert not any(hours.is_open(at(day, 12)) for day in range(7))
    assert hours.next_opening(at(0, 12)) is None
    assert "HANDOFF_HOURS cannot be read" in caplog.text
    readable = opening_hours(settings({"HANDOFF_HOURS": "mon-fri 08:00-17:00",
                                       "HANDOFF_TIMEZONE": ZONE}))
    assert readable == WEEKDAYS
