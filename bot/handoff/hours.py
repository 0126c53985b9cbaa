"""The support team's opening hours (HANDOFF_HOURS, HANDOFF_TIMEZONE).  Pure functions,
and ``opening_hours(config)``: the one place the setting is read.

    "mon-fri 08:00-17:00"                      weekdays, eight to five
    "mon-fri 08:00-17:00, sat 10:00-14:00"     several spans, comma-separated
    "mon,wed,fri 09:00-12:00"                  single days too
    "always" / "never"

A span may cross midnight ("fri 22:00-02:00" is open from Friday 22:00 to Saturday 02:00).
"""
from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, List, Optional, Tuple

if TYPE_CHECKING:
    from bot.settings import Settings

logger = logging.getLogger(__name__)

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_NAMES = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "sv": ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag"),
}
_SPAN = re.compile(
    r"^(?P<days>[a-z,\-]+)\s+(?P<start>\d{1,2}:\d{2})\s*-\s*(?P<end>\d{1,2}:\d{2})$"
)


class InvalidHours(ValueError):
    pass


def _time(text: str) -> dt.time:
    hours, minutes = (int(part) for part in text.split(":"))
    if hours == 24 and minutes == 0:
        return dt.time(23, 59, 59, 999999)
    if not (0 <= hours < 24 and 0 <= minutes < 60):
        raise InvalidHours(f"not a time of day: {text}")
    return dt.time(hours, minutes)


def _days(text: str) -> List[int]:
    days: List[int] = []
    for part in text.split(","):
        if "-" in part:
            first, last = part.split("-", 1)
            if first not in DAYS or last not in DAYS:
                raise InvalidHours(f"unknown day in {part!r} (use {', '.join(DAYS)})")
            start, end = DAYS.index(first), DAYS.index(last)
            days.extend((start + i) % 7 for i in range(((end - start) % 7) + 1))
        elif part in DAYS:
            days.append(DAYS.index(part))
        else:
            raise InvalidHours(f"unknown day {part!r} (use {', '.join(DAYS)})")
    return days


@dataclass(frozen=True)
class OpeningHours:
    # (weekday, start, end) with Monday = 0; end <= start: the span ends the next day.
    spans: Tuple[Tuple[int, dt.time, dt.time], ...]
    zone: dt.tzinfo
    always: bool = False

    @classmethod
    def parse(cls, text: str, timezone: str = "Europe/Stockholm") -> "OpeningHours":
        zone = _zone(timezone)
        text = (text or "").strip().lower()
        if text in ("", "always", "24/7"):
            return cls((), zone, always=True)
        if text == "never":
            return cls((), zone)
        spans = []
        for chunk in text.split(","):
            chunk = chunk.strip()
            if not chunk:
                continue
            # "mon,wed 09:00-12:00" was split at its comma: glue day lists back on.
            spans.append(chunk)
        merged: List[str] = []
        for chunk in spans:
            if merged and not re.search(r"\d", merged[-1]):
                merged[-1] = merged[-1] + "," + chunk
            else:
                merged.append(chunk)
        result = []
        for chunk in merged:
            match = _SPAN.match(re.sub(r"\s+", " ", chunk))
            if not match:
                raise InvalidHours(f"cannot read opening hours {chunk!r} "
                                   "(write e.g. \"mon-fri 08:00-17:00\")")
            start, end = _time(match["start"]), _time(match["end"])
            for day in _days(match["days"]):
                result.append((day, start, end))
        return cls(tuple(result), zone)

    def _intervals(self, around: dt.datetime) -> List[Tuple[dt.datetime, dt.datetime]]:
        """Open intervals (local time) from the day before ``around`` to a week after."""
        local = around.astimezone(self.zone)
        base = local.date()
        intervals = []
        for offset in range(-1, 8):
            day = base + dt.timedelta(days=offset)
            for weekday, start, end in self.spans:
                if day.weekday() != weekday:
                    continue
                opens = dt.datetime.combine(day, start, self.zone)
                closes = dt.datetime.combine(
                    day if end > start else day + dt.timedelta(days=1), end, self.zone)
                intervals.append((opens, closes))
        return sorted(intervals)

    def is_open(self, now: dt.datetime) -> bool:
        if self.always:
            return True
        return any(opens <= now < closes for opens, closes in self._intervals(now))

    def next_opening(self, now: dt.datetime) -> Optional[dt.datetime]:
        """When the team is next open (``now`` if it is open), or None if never."""
        if self.always:
            return now
        for opens, closes in self._intervals(now):
            if opens <= now < closes:
                return now
            if opens > now:
                return opens
        return None

    def closing(self, now: dt.datetime) -> Optional[dt.datetime]:
        """When the current opening ends (None when closed or always open)."""
        if self.always:
            return None
        for opens, closes in self._intervals(now):
            if opens <= now < closes:
                return closes
        return None


def opening_hours(config: "Settings", strict: bool = False) -> OpeningHours:
    """HANDOFF_HOURS in HANDOFF_TIMEZONE, as every process reads them.

    A process starting up is ``strict``: the pages process refuses hours it cannot read
    (SystemExit with the reason), so `make run` says what is wrong at once.  The action
    server is never strict, since it must answer the customer whatever the setting says:
    there, hours that cannot be read mean support is closed ("never"), logged as an
    error, so customers are told when to expect an answer and asked for an e-mail
    address (follow-up) rather than left waiting for a person nobody knows is on duty.
    """
    try:
        return OpeningHours.parse(config.handoff_hours, config.handoff_timezone)
    except InvalidHours as problem:
        if strict:
            raise SystemExit(f"HANDOFF_HOURS: {problem}") from problem
        logger.exception("HANDOFF_HOURS cannot be read; treating support as closed")
        return OpeningHours.parse("never", config.handoff_timezone)


def _zone(name: str) -> dt.tzinfo:
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo(name)
    except Exception:  # no tz database: UTC rather than no handoff
        return dt.timezone.utc


def expected_answer(hours: OpeningHours, now: dt.datetime, language: str) -> str:
    """When the customer can expect a person to answer, as words for a response.

    Open now: "today, before 17:00" ("i dag, före kl. 17.00"); closed: "on Monday after
    08:00" (or "tomorrow").
    """
    sv = language == "sv"
    # Swedish writes times with a point ("kl. 17.00") and "i dag" in two words.
    clock = "%H.%M" if sv else "%H:%M"
    local_now = now.astimezone(hours.zone)
    if hours.is_open(now):
        closes = hours.closing(now)
        if closes is None:
            return "så snart någon är ledig" if sv else "as soon as someone is free"
        return f"i dag, före kl. {closes:{clock}}" if sv else f"today, before {closes:{clock}}"
    opens = hours.next_opening(now)
    if opens is None:
        return "så snart vi kan" if sv else "as soon as we can"
    local = opens.astimezone(hours.zone)
    days = (local.date() - local_now.date()).days
    if days == 0:
        return f"i dag efter kl. {local:{clock}}" if sv else f"today after {local:{clock}}"
    if days == 1:
        return f"i morgon efter kl. {local:{clock}}" if sv else f"tomorrow after {local:{clock}}"
    name = DAY_NAMES["sv" if sv else "en"][local.weekday()]
    return f"på {name} efter kl. {local:{clock}}" if sv else f"on {name} after {local:{clock}}"
