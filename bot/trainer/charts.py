"""The insights as PNG charts, drawn on the server with matplotlib's Agg backend."""
from __future__ import annotations

import io
from typing import List, Optional, Tuple

import matplotlib

matplotlib.use("Agg")

from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from bot.trainer.insights import Insights, confusion, titled  # noqa: E402

CHARTS = ("conversations", "containment", "fallback", "escalations", "errors", "confusion")
BLUE, RED, GREY = "#0b5cad", "#b3261e", "#888888"


def _png(figure: Figure) -> bytes:
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=96, bbox_inches="tight")
    return buffer.getvalue()


def _figure(width: float = 7.5, height: float = 3.0):
    figure = Figure(figsize=(width, height))
    return figure, figure.add_subplot(1, 1, 1)


def _empty(axes, text: str = "No data yet") -> None:
    axes.text(0.5, 0.5, text, ha="center", va="center", color=GREY, transform=axes.transAxes)
    axes.set_xticks([])
    axes.set_yticks([])


def _day_labels(axes, insights: Insights) -> None:
    labels = [d.day.strftime("%d %b") for d in insights.days]
    step = max(1, len(labels) // 10)
    axes.set_xticks(range(0, len(labels), step))
    axes.set_xticklabels(labels[::step], rotation=45, ha="right", fontsize=8)


def _rate_chart(insights: Insights, attribute: str, title: str, colour: str) -> bytes:
    figure, axes = _figure()
    points = [(n, getattr(d, attribute)) for n, d in enumerate(insights.days)
              if getattr(d, attribute) is not None]
    if not points:
        _empty(axes)
    else:
        axes.plot([p[0] for p in points], [100 * p[1] for p in points], marker="o", color=colour)
        axes.set_ylim(0, 100)
        axes.set_ylabel("% of conversations")
        _day_labels(axes, insights)
        axes.grid(axis="y", alpha=0.3)
    axes.set_title(title)
    return _png(figure)


def _bars(pairs: List[Tuple[str, int]], title: str, colour: str) -> bytes:
    figure, axes = _figure(7.5, max(2.2, 0.35 * len(pairs) + 1))
    if not pairs:
        _empty(axes)
    else:
        names = [p[0] for p in reversed(pairs)]
        values = [p[1] for p in reversed(pairs)]
        axes.barh(names, values, color=colour)
        for y, value in enumerate(values):
            axes.text(value, y, f" {value}", va="center", fontsize=8)
        axes.set_xlabel("conversations")
    axes.set_title(title)
    return _png(figure)


def render(name: str, insights: Insights, evaluation: Optional[dict] = None) -> bytes:
    if name == "conversations":
        figure, axes = _figure()
        values = [d.conversations for d in insights.days]
        if not any(values):
            _empty(axes)
        else:
            axes.bar(range(len(values)), values, color=BLUE)
            _day_labels(axes, insights)
            axes.set_ylabel("conversations")
        axes.set_title("Conversations per day")
        return _png(figure)
    if name == "containment":
        return _rate_chart(insights, "containment", "Containment: solved without a person", BLUE)
    if name == "fallback":
        return _rate_chart(insights, "fallback_rate", "Fallback rate: the assistant did not understand", RED)
    if name == "escalations":
        return _bars(titled(insights.escalations_by_error), "Escalations per error (30 days)", RED)
    if name == "errors":
        return _bars(titled(insights.errors_this_week), "Most common errors, last 7 days", BLUE)
    if name == "confusion":
        return confusion_png(evaluation)
    raise KeyError(name)


def confusion_png(evaluation: Optional[dict]) -> bytes:
    expected, predicted, counts = confusion(evaluation)
    figure = Figure(figsize=(9, 7.5))
    axes = figure.add_subplot(1, 1, 1)
    if not counts:
        _empty(axes, "No evaluation yet: retrain or evaluate a model")
        return _png(figure)
    # Shares per expected intent, so every row is comparable.
    shares = [[c / max(1, sum(row)) for c in row] for row in counts]
    axes.imshow(shares, cmap="Blues", vmin=0, vmax=1, aspect="auto")
    axes.set_xticks(range(len(predicted)))
    axes.set_xticklabels(predicted, rotation=60, ha="right", fontsize=7)
    axes.set_yticks(range(len(expected)))
    axes.set_yticklabels(expected, fontsize=7)
    for y, row in enumerate(counts):
        for x, value in enumerate(row):
            if value:
                axes.text(x, y, str(value), ha="center", va="center", fontsize=7,
                          color="white" if shares[y][x] > 0.5 else "black")
    axes.set_xlabel("predicted")
    axes.set_ylabel("expected")
    model = evaluation.get("model", "")
    axes.set_title(f"Held-out confusion matrix {model}".strip())
    return _png(figure)
