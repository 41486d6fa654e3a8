"""The bench's results as a plain-text or Markdown table.

The default table keeps what a reader compares: build + first compute (a cache miss and a cache
hit), the warm median, the ratios to direct ONNX Runtime with their spread over the measurement
rounds, and the output check in short form; it fits 100 columns.  ``wide=True`` gives every
column; the JSON file has every number.
"""

from __future__ import annotations

import textwrap
from typing import Any

#: The text table's width (headings and notes are wrapped to it; the default table fits it).
WIDTH = 100

#: Every column (``wide``), after the row label.
WIDE_HEADERS = (
    "build ms", "first ms", "build+first ms", "hit build+first ms", "warm median ms",
    "min ms", "p90 ms", "runs", "peak MB", "output check", "warm/direct", "b+f/direct", "hit/cold",
    "hit/direct", "hit/ORT hit", "warm/fastest", "peak/direct",
)
#: The default columns, after the row label.
HEADERS = ("b+f ms", "hit b+f ms", "warm ms", "warm/direct", "b+f/direct", "check")
#: Left-aligned columns (the rest are numbers, right-aligned).
LEFT = ("target", "output check", "check", "warm/direct", "b+f/direct", "hit/cold", "hit/direct", "hit/ORT hit",
        "warm/fastest", "peak/direct")
LEGEND = (
    "b+f: build + first compute; hit: the same in a fresh process whose persistent cache holds the compiled "
    "graph (loaded, not compiled); X/direct: webnn's X over direct ONNX Runtime's on the same provider, the "
    "median of the rounds' ratios (each round runs a webnn process, then a direct one) with the middle half "
    "of them (interquartile range) in parentheses"
)
#: What the wide table adds to the legend.
LEGEND_WIDE = ("; hit/cold: hit build+first over the (cache-miss) build+first of the same row; hit/ORT hit: hit "
               "build+first over webnn onnxruntime's on the same provider, per round; warm/fastest: auto's warm median "
               "over that of the fastest single-engine backend (lowest warm median), per round")
TARGETS = "webnn ORT: webnn's onnxruntime backend; direct ORT: the same model run with ONNX Runtime directly"


def short_provider(provider: str) -> str:
    return provider.removesuffix("ExecutionProvider") or provider


def fmt(value: float | None) -> str:
    if value is None:
        return "-"
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}"
    if value >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def fmt_ratio(value: float | None, spread: list[float] | tuple[float, float] | None = None,
              suffix: str = "x") -> str:
    """``0.89x``, with the spread of the per-round ratios when there is one: ``0.89x (0.81-0.97)``."""
    if value is None:
        return "-"
    text = f"{_ratio(value)}{suffix}"
    if spread:
        low, high = spread
        text += f" ({_ratio(low)}-{_ratio(high)})"
    return text


def _ratio(value: float) -> str:
    return f"{value:.0f}" if value >= 100 else f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def fmt_check(check: dict[str, Any] | None) -> str:
    if not check:
        return "-"
    status = check["status"]
    if status == "reference":
        return "(reference)"
    if "max_abs" in check:
        return f"{status} (abs {_small(check['max_abs'])}, rel {_small(check['max_rel'])})"
    return f"{status} ({check['why']})" if check.get("why") else status


def short_check(row: dict[str, Any]) -> str:
    """The output check in a word: ok, FAIL, ref (the reference backend's own output), n/a; ``hit
    FAIL`` when the row's own outputs are ok but those of its cache-hit processes are not."""
    check = row.get("check")
    text = "-" if not check else {"reference": "ref"}.get(check["status"], check["status"])
    hit_check = row.get("hit_check")
    if hit_check and hit_check["status"] != "ok" and text == "ok":
        text = f"hit {hit_check['status']}"
    return text


def fmt_hit(row: dict[str, Any], wide: bool = True) -> str:
    """The cache-hit build+first cell: "-" without a cache; says so when not every hit process hit
    (``12.3 (2/3 hit)``, ``12.3 (2/3)`` in the default table, whose notes say it in words)."""
    count = row.get("hit_processes")
    if not count:
        return "-"
    value = row.get("hit_build_first_ms")
    if value is None:
        return "ERROR"
    loaded = row.get("hit_loaded", 0)
    return fmt(value) if loaded == count else f"{fmt(value)} ({loaded}/{count}{' hit' if wide else ''})"


def _small(value: float) -> str:
    return "0" if value == 0 else f"{value:.0e}"


def _error(row: dict[str, Any]) -> str:
    """A failed measurement's step and error, in the command line's terms (the library's messages
    name its Python keywords: ``input_shapes=``, ``limits=``)."""
    from ..cli_messages import cli_message

    return f"ERROR at {row.get('step', '?')}: " + cli_message(" ".join(str(row.get("error", "failed")).split()))


def row_cells(row: dict[str, Any], wide: bool = False) -> list[str] | str:
    """The row's cells, or one error string for a failed measurement."""
    if not row.get("ok"):
        return _error(row)
    ratios = row.get("ratios", {})
    spreads = row.get("ratio_iqr", {})
    ours = row["kind"] == "webnn"

    def ratio(key: str) -> str:  # the default table's header says they are ratios: no "x"
        return fmt_ratio(ratios.get(key), spreads.get(key), "x" if wide else "") if ours else ""

    if not wide:
        return [fmt(row.get("build_first_ms")), fmt_hit(row, wide) if ours else "", fmt(row.get("median_ms")),
                ratio("warm_median"), ratio("build_first"), short_check(row)]
    check = fmt_check(row.get("check"))
    hit_check = row.get("hit_check")
    if hit_check and hit_check["status"] != "ok":
        check += f"; cache hit: {fmt_check(hit_check)}"
    return [
        fmt(row.get("build_ms")), fmt(row.get("first_ms")), fmt(row.get("build_first_ms")),
        fmt_hit(row) if ours else "",
        fmt(row.get("median_ms")), fmt(row.get("min_ms")), fmt(row.get("p90_ms")),
        str(row.get("runs", "-")), fmt(row.get("peak_rss_mb")), check,
        *(ratio(key) for key in ("warm_median", "build_first", "hit_cold", "hit_direct", "hit_ort",
                                 "warm_fastest", "peak_rss")),
    ]


def row_label(row: dict[str, Any], wide: bool = False) -> str:
    """The row's label (short unless ``wide``), with the provider really used when it differs
    from the configured one."""
    label = row["label"] if wide else row.get("short_label", row["label"])
    used, configured = row.get("providers"), row.get("configured_providers")
    if row.get("ok") and used and configured and used[0] != configured[0]:
        label += f"{' -> ' if wide else '->'}{short_provider(used[0])}"
    if row.get("engines"):  # backend="auto": the engines it chose
        label += f"{' -> ' if wide else '->'}{'/'.join(_ENGINE_ABBREV.get(e, e) for e in row['engines'])}"
    return label


#: Engine names as the default table's labels abbreviate them.
_ENGINE_ABBREV = {"onnxruntime": "ORT", "openvino": "OV", "litert": "LRT", "reference": "ref"}


def section_name(section: dict[str, Any]) -> str:
    """The workload's name in the report: its short label (an ONNX file's stem)."""
    return str(section.get("label") or section["workload"])


def heading(section: dict[str, Any]) -> str:
    inputs = section.get("inputs") or f"[{', '.join(map(str, section['input_shape']))}] float32"
    return f"{section_name(section)}: {section['description']} (input {inputs}, {section['ops']} ops)"


def footer(results: dict[str, Any], wide: bool = False) -> list[str]:
    lines = []
    meta = results["meta"]
    settings = meta["settings"]
    threads = settings["threads"] or "ONNX Runtime default"
    lines.append(
        f"webnn {meta['webnn']}, onnxruntime {meta.get('onnxruntime', '(not installed)')}, "
        f"Python {meta['python']}, NumPy {meta['numpy']}, {meta['cpu_count']} CPUs; threads: {threads}; "
        f"each target in {settings.get('processes', 1)} fresh processes ({settings['runs']} timed runs after "
        f"{settings['warmup']} warm-up in each; one-time timings and peak memory are the processes' medians)"
    )
    lines.append(LEGEND + (LEGEND_WIDE if wide else ""))
    if not wide:
        lines.append(TARGETS + "; every column and number: --wide, --json FILE")
    if settings.get("cache", True):
        lines.append(
            "cache: every webnn process started with an empty cache folder of its own (its build is a cache miss: "
            "compile, and store the compiled graph); after each, one more fresh process on that folder built and "
            "computed once: the hit columns are the medians of those"
        )
    else:
        lines.append("cache off (--no-cache): the webnn processes ran with WEBNN_CACHE=0, and no cache-hit processes")
    for section in results["workloads"]:
        name = section_name(section)
        if section.get("label") and section["label"] != section["workload"]:
            lines.append(f"{name}: {section['workload'].partition(':')[2] or section['workload']}")
        for note in section["notes"]:
            lines.append(f"{name}: {note}")
        check = section.get("reference_check")
        if check and not check.get("ok"):
            lines.append(f"{name}: the reference run failed at {check.get('step')}: {check.get('error')}")
        for row in section["rows"]:
            if not wide and not row.get("ok"):
                lines.append(f"{name}: {row_label(row)}: {_error(row)}")
            elif not wide and row.get("check", {}).get("status") == "FAIL":
                lines.append(f"{name}: {row_label(row)}: output check {fmt_check(row['check'])}")
    rebuilds = [
        f"{section_name(section)}: " + ", ".join(
            f"{row_label(row, wide)} {fmt(row['rebuild_ms'])}" for row in section["rows"]
            if row.get("rebuild_ms") is not None
        )
        for section in results["workloads"] if any(row.get("rebuild_ms") is not None for row in section["rows"])
    ]
    if rebuilds:
        lines.append("second build in the same process, cache off (build ms without one-time costs such as "
                     "lazy imports): "
                     + "; ".join(rebuilds))
    imports = results.get("imports")
    if imports:
        med = imports["median_ms"]
        parts = [f"{name} {fmt(ms)} ms" for name, ms in med.items()]
        line = f"import time (median of {imports['repeats']} fresh processes): " + ", ".join(parts)
        if "overhead_ms" in imports:
            line += f"; import webnn adds {imports['overhead_ms']:+.0f} ms to import onnxruntime"
        lines.append(line)
        for name, error in imports.get("errors", {}).items():
            lines.append(f"import {name} failed: {error}")
    return lines


def _wrap(line: str, indent: str = "  ") -> list[str]:
    return textwrap.wrap(line, WIDTH, subsequent_indent=indent, break_on_hyphens=False,
                         break_long_words=True) or [""]


def render_text(results: dict[str, Any], wide: bool = False) -> str:
    """The table as plain text: by default the main columns, fitting ``WIDTH`` columns (headings
    and notes wrapped, errors cut short and given whole below the tables); ``wide``: every column."""
    headers = ("target",) + (WIDE_HEADERS if wide else HEADERS)
    out: list[str] = []
    for section in results["workloads"]:
        rows = [(row_label(r, wide), row_cells(r, wide)) for r in section["rows"]]
        widths = [len(h) for h in headers]
        for label, cells in rows:
            widths[0] = max(widths[0], len(label))
            if isinstance(cells, list):
                for i, cell in enumerate(cells, 1):
                    widths[i] = max(widths[i], len(cell))
        out.extend(_wrap(heading(section)) if not wide else [heading(section)])
        out.append("  " + "  ".join(h.ljust(w) if h in LEFT else h.rjust(w) for h, w in zip(headers, widths)).rstrip())
        for label, cells in rows:
            if isinstance(cells, str):
                line = f"  {label.ljust(widths[0])}  {cells}"
                if not wide and len(line) > WIDTH:
                    line = line[: WIDTH - 3] + "..."
                out.append(line)
            else:
                parts = [label.ljust(widths[0])]
                for i, cell in enumerate(cells, 1):
                    parts.append(cell.ljust(widths[i]) if headers[i] in LEFT else cell.rjust(widths[i]))
                out.append("  " + "  ".join(parts).rstrip())
        if not rows:
            out.append("  (nothing measured)")
        out.append("")
    for line in footer(results, wide):
        out.extend(_wrap(line) if not wide else [line])
    return "\n".join(out)


def render_markdown(results: dict[str, Any], wide: bool = False) -> str:
    """The table as Markdown (the default columns, or every column with ``wide``), then the
    headings and notes as a list."""
    def esc(text: str) -> str:
        return text.replace("|", "\\|")

    headers = ("target",) + (WIDE_HEADERS if wide else HEADERS)
    out = ["| workload | " + " | ".join(headers) + " |",
           "|---|" + "".join("---|" if h in LEFT else "---:|" for h in headers)]
    for section in results["workloads"]:
        first = True
        for row in section["rows"]:
            name = f"**{esc(section_name(section))}**" if first else ""
            first = False
            cells = row_cells(row, wide)
            if isinstance(cells, str):
                cells = [esc(cells)] + [""] * (len(headers) - 2)
            out.append("| " + " | ".join([name, esc(row_label(row, wide)), *cells]) + " |")
    out.append("")
    out.extend("- " + esc(heading(s)) for s in results["workloads"])
    out.extend("- " + esc(line) for line in footer(results, wide))
    return "\n".join(out)
