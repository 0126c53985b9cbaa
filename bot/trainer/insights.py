"""Whether the assistant is getting better, from the conversation summary rows (pure data).

Days are calendar days in the console's time zone.  Containment: the share of
conversations solved without a person (not escalated).  Fallback rate: the share in
which the assistant fell back at least once.  Spike rule (SPIKE_RULE): an error's
conversations in the last 24 hours against its daily average over the 7 days before,
flagged at 3 times that average or more, with at least 5 conversations.  With none in
those 7 days there is no baseline to rise against: the spike is "new" (an error first
seen, or a system without history), not a rise against 0.0 a day.  Errors are shown
by their catalogue titles (bot/catalogue), as everywhere else in the console.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.catalogue import load_catalogue
from bot.storage.conversations import ConversationSummary

SPIKE_FACTOR = 3.0
SPIKE_MINIMUM = 5
BASELINE_DAYS = 7
SPIKE_RULE = (f"An error is flagged when its conversations in the last 24 hours are at least "
              f"{SPIKE_FACTOR:g} times its daily average over the {BASELINE_DAYS} days before, "
              f"and at least {SPIKE_MINIMUM}.")
NO_ERROR = "(no error detected)"


@dataclass
class Day:
    day: dt.date
    conversations: int = 0
    escalated: int = 0
    fell_back: int = 0
    resolved: int = 0

    @property
    def containment(self) -> Optional[float]:
        return 1 - self.escalated / self.conversations if self.conversations else None

    @property
    def fallback_rate(self) -> Optional[float]:
        return self.fell_back / self.conversations if self.conversations else None


@dataclass
class Spike:
    error: str
    last_24h: int
    daily_average: float

    @property
    def ratio(self) -> Optional[float]:
        return self.last_24h / self.daily_average if self.daily_average else None

    @property
    def new(self) -> bool:
        """No conversation with this error in the baseline days: nothing to compare with."""
        return not self.daily_average

    @property
    def title(self) -> str:
        return error_title(self.error)


def error_title(error: str) -> str:
    """The catalogue's English title of an error intent; anything else as it is."""
    titles = {e.intent: e.title["en"] for e in load_catalogue().errors}
    return titles.get(error, error)


def titled(pairs: List[Tuple[str, int]]) -> List[Tuple[str, int]]:
    """(error, count) pairs with the errors' titles, for charts and tables."""
    return [(error_title(error), count) for error, count in pairs]


@dataclass
class Insights:
    days: List[Day]
    escalations_by_error: List[Tuple[str, int]]
    errors_this_week: List[Tuple[str, int]]
    spikes: List[Spike]
    total: int
    containment: Optional[float]
    fallback_rate: Optional[float]


def _rows(session: Session, since: float, until: float):
    s = ConversationSummary
    return session.execute(
        select(s.first_ts, s.errors, s.escalated, s.fell_back, s.resolved, s.last_error)
        .where(s.first_ts >= since, s.first_ts < until)
    ).all()


def _errors(row) -> List[str]:
    return [e for e in (row.errors or "").split(",") if e]


def spikes(session: Session, now: float) -> List[Spike]:
    recent: Counter = Counter()
    before: Counter = Counter()
    day = 86400
    for row in _rows(session, now - (BASELINE_DAYS + 1) * day, now):
        target = recent if row.first_ts >= now - day else before
        target.update(_errors(row))
    found = []
    for error, count in recent.items():
        average = before[error] / BASELINE_DAYS
        if count >= SPIKE_MINIMUM and count >= SPIKE_FACTOR * average:
            found.append(Spike(error, count, average))
    return sorted(found, key=lambda s: -s.last_24h)


def insights(session: Session, tz: dt.tzinfo, now: Optional[float] = None, days: int = 30) -> Insights:
    now = now if now is not None else dt.datetime.now(dt.timezone.utc).timestamp()
    today = dt.datetime.fromtimestamp(now, tz).date()
    first_day = today - dt.timedelta(days=days - 1)
    since = dt.datetime.combine(first_day, dt.time.min, tzinfo=tz).timestamp()
    by_day: Dict[dt.date, Day] = {first_day + dt.timedelta(n): Day(first_day + dt.timedelta(n))
                                  for n in range(days)}
    escalations: Counter = Counter()
    week: Counter = Counter()
    week_start = now - 7 * 86400
    for row in _rows(session, since, now + 1):
        day = by_day.get(dt.datetime.fromtimestamp(row.first_ts, tz).date())
        if day is None:
            continue
        day.conversations += 1
        day.escalated += bool(row.escalated)
        day.fell_back += bool(row.fell_back)
        day.resolved += bool(row.resolved)
        if row.escalated:
            escalations[row.last_error or NO_ERROR] += 1
        if row.first_ts >= week_start:
            week.update(_errors(row))
    all_days = list(by_day.values())
    total = sum(d.conversations for d in all_days)
    return Insights(
        days=all_days,
        escalations_by_error=sorted(escalations.items(), key=lambda kv: (-kv[1], kv[0])),
        errors_this_week=sorted(week.items(), key=lambda kv: (-kv[1], kv[0])),
        spikes=spikes(session, now),
        total=total,
        containment=1 - sum(d.escalated for d in all_days) / total if total else None,
        fallback_rate=sum(d.fell_back for d in all_days) / total if total else None,
    )


def confusion(evaluation: Optional[dict]) -> Tuple[List[str], List[str], List[List[int]]]:
    """(expected labels, predicted labels, counts) of an evaluation's confusion matrix."""
    if not evaluation or not evaluation.get("confusion"):
        return [], [], []
    matrix = evaluation["confusion"]
    expected = sorted(matrix)
    predicted = sorted(set(expected) | {p for row in matrix.values() for p in row})
    return expected, predicted, [[matrix[e].get(p, 0) for p in predicted] for e in expected]
