"""The bench's results as a plain-text or Markdown table."""

from __future__ import annotations

from typing import Any

HEADERS = (
    "backend (provider)", "build ms", "first ms", "build+first ms", "hit build+first ms", "warm median ms",
    "min ms", "p90 ms", "runs", "peak MB", "output check", "warm/direct", "b+f/direct", "hit/cold",
    "hit/direct", "peak/direct",
)
#: Left-aligned columns (the rest are numbers, right-aligned).
LEFT = ("backend (provider)", "output check")
LEGEND = (
    "b+f: build + first compute; hit: the same in a fresh process whose persistent cache holds the compiled "
    "graph (loaded, not compiled); X/direct: webnn's X over direct ONNX Runtime's on the same provider; "
    "hit/cold: hit build+first over the (cache-miss) build+first of the same row"
)
ERROR_WIDTH = 110


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


def fmt_ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def fmt_check(check: dict[str, Any] | None) -> str:
    if not check:
        return "-"
    status = check["status"]
    if status == "reference":
        return "(reference)"
    if "max_abs" in check:
        return f"{status} (abs {_small(check['max_abs'])}, rel {_small(check['max_rel'])})"
    return f"{status} ({check['why']})" if check.get("why") else status


def fmt_hit(row: dict[str, Any]) -> str:
    """The cache-hit build+first cell: "-" without a cache; says so when not every hit process hit."""
    count = row.get("hit_processes")
    if not count:
        return "-"
    value = row.get("hit_build_first_ms")
    if value is None:
        return "ERROR"
    loaded = row.get("hit_loaded", 0)
    return fmt(value) if loaded == count else f"{fmt(value)} ({loaded}/{count} hit)"


def _small(value: float) -> str:
    return "0" if value == 0 else f"{value:.0e}"


def row_cells(row: dict[str, Any]) -> list[str] | str:
    """The row's cells, or one error string for a failed measurement."""
    if not row.get("ok"):
        error = " ".join(str(row.get("error", "failed")).split())
        if len(error) > ERROR_WIDTH:
            error = error[: ERROR_WIDTH - 3] + "..."
        return f"ERROR at {row.get('step', '?')}: {error}"
    ratios = row.get("ratios", {})
    ours = row["kind"] == "webnn"
    check = fmt_check(row.get("check"))
    hit_check = row.get("hit_check")
    if hit_check and hit_check["status"] != "ok":
        check += f"; cache hit: {fmt_check(hit_check)}"
    return [
        fmt(row.get("build_ms")), fmt(row.get("first_ms")), fmt(row.get("build_first_ms")),
        fmt_hit(row) if ours else "",
        fmt(row.get("median_ms")), fmt(row.get("min_ms")), fmt(row.get("p90_ms")),
        str(row.get("runs", "-")), fmt(row.get("peak_rss_mb")), check,
        *(fmt_ratio(ratios.get(key)) if ours else ""
          for key in ("warm_median", "build_first", "hit_cold", "hit_direct", "peak_rss")),
    ]


def row_label(row: dict[str, Any]) -> str:
    """The row's label, with the provider really used when it differs from the configured one."""
    label = row["label"]
    used, configured = row.get("providers"), row.get("configured_providers")
    if row.get("ok") and used and configured and used[0] != configured[0]:
        label += f" -> {short_provider(used[0])}"
    return label


def heading(section: dict[str, Any]) -> str:
    inputs = section.get("inputs") or f"[{', '.join(map(str, section['input_shape']))}] float32"
    return f"{section['workload']}: {section['description']} (input {inputs}, {section['ops']} ops)"


def footer(results: dict[str, Any]) -> list[str]:
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
    lines.append(LEGEND)
    if settings.get("cache", True):
        lines.append(
            "cache: every webnn process started with an empty cache folder of its own (its build is a cache miss: "
            "compile, and store the compiled graph); after each, one more fresh process on that folder built and "
            "computed once: the hit columns are the medians of those"
        )
    else:
        lines.append("cache off (--no-cache): the webnn processes ran with WEBNN_CACHE=0, and no cache-hit processes")
    for section in results["workloads"]:
        for note in section["notes"]:
            lines.append(f"{section['workload']}: {note}")
        check = section.get("reference_check")
        if check and not check.get("ok"):
            lines.append(f"{section['workload']}: the reference run failed at {check.get('step')}: {check.get('error')}")
    rebuilds = [
        f"{section['workload']}: " + ", ".join(
            f"{row['label']} {fmt(row['rebuild_ms'])}" for row in section["rows"] if row.get("rebuild_ms") is not None
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


def render_text(results: dict[str, Any]) -> str:
    out: list[str] = []
    for section in results["workloads"]:
        rows = [(row_label(r), row_cells(r)) for r in section["rows"]]
        widths = [len(h) for h in HEADERS]
        for label, cells in rows:
            widths[0] = max(widths[0], len(label))
            if isinstance(cells, list):
                for i, cell in enumerate(cells, 1):
                    widths[i] = max(widths[i], len(cell))
        out.append(heading(section))
        out.append("  " + "  ".join(h.ljust(w) if h in LEFT else h.rjust(w) for h, w in zip(HEADERS, widths)).rstrip())
        for label, cells in rows:
            if isinstance(cells, str):
                out.append(f"  {label.ljust(widths[0])}  {cells}")
            else:
                parts = [label.ljust(widths[0])]
                for i, cell in enumerate(cells, 1):
                    parts.append(cell.ljust(widths[i]) if HEADERS[i] in LEFT else cell.rjust(widths[i]))
                out.append("  " + "  ".join(parts).rstrip())
        if not rows:
            out.append("  (nothing measured)")
        out.append("")
    out.extend(footer(results))
    return "\n".join(out)


def render_markdown(results: dict[str, Any]) -> str:
    def esc(text: str) -> str:
        return text.replace("|", "\\|")

    out = ["| workload | " + " | ".join(HEADERS) + " |",
           "|---|" + "".join("---|" if h in LEFT else "---:|" for h in HEADERS)]
    for section in results["workloads"]:
        first = True
        for row in section["rows"]:
            name = f"**{section['workload']}**" if first else ""
            first = False
            cells = row_cells(row)
            if isinstance(cells, str):
                cells = [esc(cells)] + [""] * (len(HEADERS) - 2)
            out.append("| " + " | ".join([name, esc(row_label(row)), *cells]) + " |")
    out.append("")
    out.extend("- " + esc(heading(s)) for s in results["workloads"])
    out.extend("- " + esc(line) for line in footer(results))
    return "\n".join(out)
