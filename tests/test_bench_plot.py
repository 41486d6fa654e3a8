"""``webnn bench --plot``: the picture of the results (webnn.bench.plot), from a results dict shaped as
``webnn bench --json`` writes it, from a saved file (``--from-json``) and from a real measurement."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from webnn.bench import plot, report
from webnn.cli import main

WORKLOADS = ("simple", "mobilenetv2")


def _row(label: str, short: str, kind: str, warm: float, build_first: list[float], ratios: dict[str, float] | None = None,
         ok: bool = True) -> dict[str, Any]:
    if not ok:
        return {"ok": False, "label": label, "short_label": short, "kind": kind, "step": "build",
                "error": "NotSupportedError: no"}
    ordered = sorted(build_first)
    row: dict[str, Any] = {
        "ok": True, "label": label, "short_label": short, "kind": kind, "backend": "onnxruntime",
        "median_ms": warm, "min_ms": warm * 0.8, "p90_ms": warm * 1.3, "runs": 40,
        "build_first_ms": ordered[len(ordered) // 2],
        "processes": [{"build_first_ms": value} for value in build_first],
        "check": {"status": "ok"},
    }
    if ratios is not None:
        row.update(ratios=ratios, ratio_iqr={key: [value * 0.9, value * 1.1] for key, value in ratios.items()})
    return row


def results() -> dict[str, Any]:
    """Two workloads, three targets; the warm times span 100x (a log scale), build + first times 3x
    (a linear one); one failed row."""
    def section(name: str, scale: float, litert_ok: bool) -> dict[str, Any]:
        return {"workload": name, "label": name, "description": name, "input_shape": [1, 3, 8, 8], "ops": 20,
                "notes": [], "reference_check": None, "rows": [
                    _row("webnn onnxruntime (CPU)", "webnn ORT (CPU)", "webnn", 0.05 * scale, [30, 34, 31],
                         {"warm_median": 1.19, "build_first": 2.5}),
                    _row("direct ORT (CPU)", "direct ORT (CPU)", "direct", 0.04 * scale, [12, 14, 13]),
                    _row("webnn litert (CPU)", "webnn litert", "webnn", 0.06 * scale, [36, 38, 37],
                         {"warm_median": 0.86, "build_first": 2.84}, ok=litert_ok),
                ]}

    return {
        "meta": {"webnn": "0.1.0", "onnxruntime": "1.32.0", "cpu_count": 2, "python": "3.11", "numpy": "2.4",
                 "settings": {"processes": 3, "runs": 20, "warmup": 2, "threads": None, "cache": True}},
        "imports": None,
        "workloads": [section("simple", 1.0, True), section("mobilenetv2", 100.0, False)],
    }


def _expected_pixels() -> tuple[int, int]:
    width, height = plot.figure_size(results())
    return round(height * plot.DPI), round(width * plot.DPI)


def test_figure_has_a_panel_of_bars_per_measurement() -> None:
    pytest.importorskip("matplotlib", reason="matplotlib is not installed (the plot extra)")
    fig = plot.figure(results())
    axes = fig.get_axes()
    assert [ax.get_title() for ax in axes] == [panel.title for panel in plot.PANELS]
    for ax in axes:
        assert len(ax.patches) == 5  # 3 + 3 bars, less the failed one
        assert all(bar.get_height() > 0 for bar in ax.patches)
        texts = [t.get_text() for t in ax.texts]
        assert "failed" in texts
        assert ax.get_ylabel().startswith("ms")
    warm, build = axes
    (legend,) = fig.legends
    assert [t.get_text() for t in legend.get_texts()] == ["webnn ORT (CPU)", "direct ORT (CPU)", "webnn litert"]
    assert legend.get_title().get_text() == plot.LEGEND_RATIOS
    assert [t.get_text() for t in build.get_xticklabels()] == list(WORKLOADS)
    assert warm.get_yscale() == "log" and build.get_yscale() == "linear"
    # the bars are the tables' numbers: the median of the warm runs, the processes' median build + first
    heights = sorted(round(bar.get_height(), 6) for bar in warm.patches)
    assert heights == sorted(round(v, 6) for v in (0.05, 0.04, 0.06, 5.0, 4.0))
    assert sorted(bar.get_height() for bar in build.patches) == [13, 13, 31, 31, 37]
    # the ratios written above the webnn bars, as the tables write them
    for ax, key, example in zip(axes, ("warm_median", "build_first"), ("1.19x", "2.84x")):
        labels = sorted(t.get_text() for t in ax.texts if t.get_text().endswith("x"))
        expected = sorted(report.fmt_ratio(r["ratios"][key]) for s in results()["workloads"] for r in s["rows"]
                          if r.get("ok") and r["kind"] == "webnn")
        assert labels == expected and example in labels
    # the whiskers: fastest to 90th percentile, and the processes' range
    whiskers = [line for line in build.get_children() if type(line).__name__ == "LineCollection"]
    assert whiskers
    segments = sorted((round(s[0][1], 6), round(s[1][1], 6)) for w in whiskers for s in w.get_segments())
    assert (30.0, 34.0) in segments and (12.0, 14.0) in segments


def test_png_has_the_figure_size_and_is_drawn(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib", reason="matplotlib is not installed (the plot extra)")
    import matplotlib.image
    import numpy as np

    path = tmp_path / "bench.png"
    plot.write_plot(results(), str(path))
    image = matplotlib.image.imread(str(path))
    assert image.shape[:2] == _expected_pixels()
    assert float(image[..., :3].std()) > 0.05  # not blank
    # the first target's colour fills its bars
    colour = np.array([int(plot.COLOURS[0][i:i + 2], 16) / 255 for i in (1, 3, 5)])
    assert int(np.all(np.abs(image[..., :3] - colour) < 0.01, axis=-1).sum()) > 1000


def test_svg_keeps_the_names_and_ratios_as_text(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib", reason="matplotlib is not installed (the plot extra)")
    path = tmp_path / "bench.svg"
    plot.write_plot(results(), str(path))
    root = ET.parse(path).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    text = " ".join("".join(element.itertext()) for element in root.iter("{http://www.w3.org/2000/svg}text"))
    for word in (*WORKLOADS, "1.19x", "0.86x", "2.50x", "warm compute", "webnn ORT (CPU)", "direct ORT (CPU)"):
        assert word in text, word
    assert "Date" not in path.read_text()  # the same results give the same file
    again = tmp_path / "again.svg"
    plot.write_plot(results(), str(again))
    assert again.read_bytes() == path.read_bytes()


def test_cli_plots_saved_results(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("matplotlib", reason="matplotlib is not installed (the plot extra)")
    saved = tmp_path / "results.json"
    saved.write_text(json.dumps(results()))
    picture = tmp_path / "bench.svg"
    assert main(["bench", "--from-json", str(saved), "--plot", str(picture)]) == 0
    captured = capsys.readouterr()
    assert captured.out == report.render_text(results()) + "\n"  # the table, as the measuring run prints it
    assert f"wrote {picture}" in captured.err
    assert "mobilenetv2" in picture.read_text()


@pytest.mark.parametrize(("args", "code", "message"), [
    (["--plot", "x.pdf"], 2, "--plot x.pdf: the picture must be a .png or .svg file"),
    (["--plot", "/no/such/dir/x.png"], 2, "--plot /no/such/dir/x.png: the folder /no/such/dir does not exist"),
    (["--runs", "3"], 2, "--from-json shows saved results and measures nothing: --runs does not apply"),
    (["--json", "copy.json"], 2, "--json does not apply"),
])
def test_cli_plot_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], code: int,
                               message: str) -> None:
    saved = tmp_path / "results.json"
    saved.write_text(json.dumps(results()))
    assert main(["bench", "--from-json", str(saved), *args]) == code
    assert message in capsys.readouterr().err


def test_cli_from_json_needs_a_results_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "--from-json", str(tmp_path / "none.json")]) == 2
    assert f"--from-json {tmp_path / 'none.json'}: no such file" in capsys.readouterr().err
    bad = tmp_path / "bad.json"
    bad.write_text('{"rows": []}')
    assert main(["bench", "--from-json", str(bad)]) == 1
    assert "not a results file of webnn bench --json" in capsys.readouterr().err


def test_without_matplotlib_plot_says_how_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # as if not installed
    assert main(["bench", "--plot", str(tmp_path / "x.png")]) == 1  # before measuring anything
    err = capsys.readouterr().err
    assert "pip install 'webnn[plot]'" in err and "--plot" in err
    assert not (tmp_path / "x.png").exists()


def test_bench_without_plot_does_not_import_matplotlib() -> None:
    code = ("import sys, webnn, webnn.cli, webnn.bench.runner, webnn.bench.report; "
            "from webnn.cli import build_parser; build_parser().parse_args(['bench']); "
            "assert 'matplotlib' not in sys.modules, 'matplotlib imported'")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr


def test_bench_plot_end_to_end(tmp_path: Path) -> None:
    """A real (tiny) measurement drawn: ``webnn bench --plot`` writes a PNG of the figure's size."""
    pytest.importorskip("matplotlib", reason="matplotlib is not installed (the plot extra)")
    pytest.importorskip("onnxruntime", reason="onnxruntime is not installed")
    import matplotlib.image

    picture, saved = tmp_path / "bench.png", tmp_path / "bench.json"
    env = {k: v for k, v in os.environ.items() if k != "WEBNN_BACKEND"}
    proc = subprocess.run(
        [sys.executable, "-m", "webnn", "bench", "--backends", "onnxruntime", "--runs", "2", "--warmup", "0",
         "--processes", "1", "--workloads", "simple", "--size", "8", "--import-repeats", "0", "--no-cache",
         "--json", str(saved), "--plot", str(picture)],
        capture_output=True, text=True, timeout=300, env=env,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"wrote {picture}" in proc.stderr
    width, height = plot.figure_size(json.loads(saved.read_text()))
    image = matplotlib.image.imread(str(picture))
    assert image.shape[:2] == (round(height * plot.DPI), round(width * plot.DPI))
    assert float(image[..., :3].std()) > 0.05
