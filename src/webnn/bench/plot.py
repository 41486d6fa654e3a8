"""The bench's results as a picture (``webnn bench --plot FILE``): for each workload a group of bars,
one per target, in two panels: the warm compute time and the build + first compute time (a cache
miss).  The bars are the numbers of the tables (``report``); the whiskers are the spread the results
carry; each webnn bar has its ratio to direct ONNX Runtime written above it, as in the tables.

matplotlib is imported only here, and only when a picture is drawn (the ``plot`` extra); the
figure is drawn without pyplot, on matplotlib's Agg canvas (no display, no global backend).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, NamedTuple

from . import report

#: The picture formats, by file extension.
FORMATS = {".png": "png", ".svg": "svg"}
#: Dots per inch of a PNG (the SVG is in points).
DPI = 100
#: Inches: the height of the figure, the room of one bar, the room a workload group adds beside its
#: bars, and the margin (the axis labels and the legend).
HEIGHT, BAR_WIDTH, GROUP_PAD, MARGIN = 8.0, 0.55, 0.5, 2.2
#: A panel's values spanning more than this factor get a log scale.
LOG_SPAN = 20.0
#: Colours of the targets, in order of first appearance (the direct ONNX Runtime bars are hatched).
COLOURS = ("#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860", "#da8bc3", "#8c8c8c",
           "#ccb974", "#64b5cd")
INSTALL = "drawing --plot needs matplotlib: pip install 'webnn[plot]'"
LEGEND_RATIOS = ("targets (ratios above the bars: webnn / direct ONNX Runtime on the same provider, the median of "
                 "the rounds' ratios)")


class PlotError(Exception):
    """The picture cannot be drawn: matplotlib is missing, or the path is not a .png or .svg file."""


def _process_range(key: str) -> Callable[[dict[str, Any]], tuple[float, float] | None]:
    """The lowest and highest of the fresh processes' ``key`` (the row's value is their median)."""

    def spread(row: dict[str, Any]) -> tuple[float, float] | None:
        values = [p[key] for p in row.get("processes", ()) if p.get(key) is not None]
        return (min(values), max(values)) if len(values) > 1 else None

    return spread


def _warm_range(row: dict[str, Any]) -> tuple[float, float] | None:
    """The fastest timed run and the 90th percentile (the wide table's min and p90 columns)."""
    low, high = row.get("min_ms"), row.get("p90_ms")
    return (low, high) if low is not None and high is not None else None


class Panel(NamedTuple):
    title: str
    value: str  # the row's key of the bar's height (a median, as in the tables)
    spread: Callable[[dict[str, Any]], tuple[float, float] | None]  # the whisker's ends
    ratio: str  # the key in the row's ``ratios``
    axis: str  # the y axis label


PANELS = (
    Panel("warm compute", "median_ms", _warm_range, "warm_median",
          "ms per compute: median of the timed runs\n(whiskers: fastest run to 90th percentile)"),
    Panel("build + first compute (empty cache)", "build_first_ms", _process_range("build_first_ms"), "build_first",
          "ms: median of the fresh processes\n(whiskers: their fastest to slowest)"),
)


def check_path(path: str) -> str:
    """The matplotlib format of ``path`` (``png`` or ``svg``); PlotError for another extension."""
    ext = os.path.splitext(path)[1].lower()
    if ext not in FORMATS:
        raise PlotError(f"--plot {path}: the picture must be a {' or '.join(FORMATS)} file")
    return FORMATS[ext]


def check_matplotlib() -> None:
    """PlotError (saying how to install it) when matplotlib is not installed."""
    import importlib.util

    if importlib.util.find_spec("matplotlib") is None:
        raise PlotError(INSTALL)


def targets(results: dict[str, Any]) -> list[str]:
    """The rows' labels over every workload, in order of first appearance: one colour each."""
    return list(dict.fromkeys(row["label"] for section in results["workloads"] for row in section["rows"]))


def figure_size(results: dict[str, Any]) -> tuple[float, float]:
    """The figure's width and height in inches: room for every workload's bars."""
    bars = sum(max(1, len(section["rows"])) for section in results["workloads"])
    width = MARGIN + BAR_WIDTH * bars + GROUP_PAD * len(results["workloads"])
    return max(7.0, width), HEIGHT


def _title(results: dict[str, Any]) -> str:
    meta = results.get("meta", {})
    settings = meta.get("settings", {})
    parts = [f"webnn {meta.get('webnn', '?')}"]
    if meta.get("onnxruntime"):
        parts.append(f"onnxruntime {meta['onnxruntime']}")
    parts.append(f"{meta.get('cpu_count', '?')} CPUs")
    if settings.get("processes"):
        parts.append(f"{settings['processes']} fresh processes per target")
    return "webnn bench: " + ", ".join(parts)


def figure(results: dict[str, Any]) -> Any:
    """The picture as a matplotlib Figure (on an Agg canvas): one panel per ``PANELS`` entry."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise PlotError(f"{INSTALL} ({exc})") from None

    fig: Any = Figure(figsize=figure_size(results), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    fig.suptitle(_title(results), fontsize=11)
    axes = fig.subplots(len(PANELS), 1, sharex=True)
    colours = {label: COLOURS[i % len(COLOURS)] for i, label in enumerate(targets(results))}
    sections = results["workloads"]
    for ax, panel in zip(axes, PANELS):
        _draw_panel(ax, panel, sections, colours)
    ticks = list(range(len(sections)))
    axes[-1].set_xticks(ticks, [report.section_name(section) for section in sections])
    axes[-1].set_xlabel("workload")
    handles: dict[str, Any] = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            handles.setdefault(label, handle)
    ratios = any(row.get("ratios") for section in sections for row in section["rows"])
    fig.legend(list(handles.values()), list(handles), loc="outside lower center", ncols=min(4, len(handles) or 1),
               fontsize=8, title=LEGEND_RATIOS if ratios else "targets", title_fontsize=8)
    return fig


def _draw_panel(ax: Any, panel: Panel, sections: list[dict[str, Any]], colours: dict[str, str]) -> None:
    values: list[float] = []
    for group, section in enumerate(sections):
        rows = section["rows"]
        width = 0.8 / max(1, len(rows))
        for k, row in enumerate(rows):
            x = group - 0.4 + width * (k + 0.5)
            value = row.get(panel.value) if row.get("ok") else None
            direct = row.get("kind") == "direct"
            label = row.get("short_label", row["label"])
            if value is None or value <= 0:
                ax.text(x, 0.02, "failed" if not row.get("ok") else "-", rotation=90, fontsize=7, ha="center",
                        va="bottom", transform=ax.get_xaxis_transform(), color="#c44e52")
                continue
            spread = panel.spread(row)
            error = None
            if spread is not None:
                error = [[max(0.0, value - spread[0])], [max(0.0, spread[1] - value)]]
                values.extend(spread)
            values.append(value)
            ax.bar(x, value, width * 0.9, yerr=error, capsize=2, color=colours[row["label"]],
                   hatch="//" if direct else None, edgecolor="white" if direct else None, linewidth=0,
                   label=label, error_kw={"elinewidth": 0.8, "ecolor": "#333333"})
            ratio = (row.get("ratios") or {}).get(panel.ratio)
            if ratio is not None and not direct:
                top = spread[1] if spread is not None else value
                ax.annotate(report.fmt_ratio(ratio), (x, top), xytext=(0, 2), textcoords="offset points",
                            ha="center", va="bottom", fontsize=7, rotation=90 if len(rows) > 5 else 0)
    ax.set_title(panel.title, fontsize=10)
    ax.set_ylabel(panel.axis, fontsize=8)
    positive = [v for v in values if v > 0]
    if positive and max(positive) / min(positive) > LOG_SPAN:
        ax.set_yscale("log")
        ax.set_ylim(min(positive) / 2, max(positive) * 4)  # room for the ratio labels
    elif positive:
        ax.set_ylim(0, max(positive) * 1.18)
    ax.grid(axis="y", alpha=0.3)
    ax.set_axisbelow(True)
    ax.set_xlim(-0.5, len(sections) - 0.5)


def write_plot(results: dict[str, Any], path: str) -> None:
    """Draw ``results`` to ``path`` (.png or .svg); SVG text stays text (searchable, selectable)."""
    fmt = check_path(path)
    fig = figure(results)
    from matplotlib import rc_context

    with rc_context({"svg.fonttype": "none", "svg.hashsalt": "webnn"}):
        fig.savefig(path, format=fmt, dpi=DPI, metadata=_metadata(fmt))


def _metadata(fmt: str) -> dict[str, Any]:
    """No creation date in the file (the same results give the same picture)."""
    return {"Date": None} if fmt == "svg" else {}
