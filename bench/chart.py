"""The run as a PNG (matplotlib, Agg): each scenario's ratio against its goal, and the latency
distribution of both sides wherever latency applies."""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Sequence

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from bench.measurements import Outcome, Side

DIPTYCH_COLOR = "#1f77b4"
RAW_COLOR = "#7f7f7f"
MET_COLOR = "#2ca02c"
MISSED_COLOR = "#d62728"
LEGEND_WIDTH = 48  # characters a legend's line holds


def draw(outcomes: Sequence[Outcome], title: str) -> bytes:
    with_latency = [o for o in outcomes if o.diptych.latency and o.raw.latency]
    panels = 1 + len(with_latency)
    rows = math.ceil(panels / 2)
    figure = Figure(figsize=(13, 4.2 * rows), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(rows, 2, squeeze=False).flatten()
    _ratios(axes[0], outcomes)
    for ax, outcome in zip(axes[1:], with_latency, strict=False):
        _distribution(ax, outcome)
    for ax in axes[panels:]:
        ax.set_visible(False)
    figure.suptitle(title)
    png = io.BytesIO()
    figure.savefig(png, format="png")
    return png.getvalue()


def _ratios(ax: Axes, outcomes: Sequence[Outcome]) -> None:
    """One bar per scenario on a log scale, with its goal as a tick (throughput shares should
    reach their tick, latency multiples stay below it) and each round's ratio as a dot."""
    names = [f"{o.scenario}\n(goal {o.goal.text})" for o in outcomes]
    ratios = [o.ratio for o in outcomes]
    colors = [MET_COLOR if o.goal.met(o.ratio) else MISSED_COLOR for o in outcomes]
    positions = range(len(outcomes))
    ax.barh(positions, ratios, color=colors, height=0.6)
    for position, outcome in zip(positions, outcomes, strict=True):
        ax.plot([outcome.goal.bound] * 2, [position - 0.4, position + 0.4], color="black", lw=2)
        rounds = outcome.round_ratios or (outcome.ratio,)
        ax.scatter(rounds, [position] * len(rounds), color="white", edgecolors="black", s=14,
                   zorder=3)
        ax.annotate(outcome.goal.show(outcome.ratio), (max(outcome.ratio, *rounds), position),
                    xytext=(6, 0), textcoords="offset points", va="center")
    _plain_log_axis(ax)
    ax.set_yticks(list(positions), names)
    ax.invert_yaxis()
    ax.axvline(1.0, color=RAW_COLOR, ls=":", lw=1)
    shown = [*ratios, *(o.goal.bound for o in outcomes), *(r for o in outcomes
                                                           for r in o.round_ratios)]
    low, high = min(shown), max(shown)
    ax.set_xlim(low / 2, high * 3)
    ax.set_title("Diptych / raw limit (tick: goal, dots: rounds)")


def _distribution(ax: Axes, outcome: Outcome) -> None:
    """Empirical CDFs of both sides' latencies, on a log scale."""
    for side, name, color in ((outcome.diptych, "Diptych", DIPTYCH_COLOR),
                              (outcome.raw, "raw limit", RAW_COLOR)):
        samples = sorted(side.latencies_ms)
        shares = [100 * (n + 1) / len(samples) for n in range(len(samples))]
        ax.step(samples, shares, where="post", color=color, label=_legend(name, side))
    _plain_log_axis(ax)
    ax.set_ylim(0, 100)
    ax.set_xlabel("ms (log scale)")
    ax.set_ylabel("% of operations at most this long")
    ax.set_title(f"{outcome.scenario}: latency")
    ax.legend(loc="upper left", fontsize="x-small")  # a CDF leaves its upper left empty
    ax.grid(True, which="both", alpha=0.3)


def _plain_log_axis(ax: Axes) -> None:
    """A log-scale x axis labelled 1, 2, 5, 10, 20, 50... rather than in powers of ten."""
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(FuncFormatter(_number))
    ax.xaxis.set_minor_formatter(FuncFormatter(_two_or_five))


def _number(value: float, position: int | None) -> str:
    return f"{value:g}"


def _two_or_five(value: float, position: int | None) -> str:
    mantissa = round(value / 10 ** math.floor(math.log10(value)))
    return f"{value:g}" if mantissa in (2, 5) else ""


def _legend(name: str, side: Side) -> str:
    latency = side.latency
    assert latency is not None
    what = textwrap.fill(side.label, LEGEND_WIDTH)  # a long label would push the panel aside
    return f"{name}: p50 {latency.p50:.1f}, p99 {latency.p99:.1f} ms\n{what}"
