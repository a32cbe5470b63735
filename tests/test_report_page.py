"""report.html in a real Chromium: it draws offline, hover shows the CSV's numbers, boxes toggle, zoom syncs."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from .conftest import run_cli
from .test_report_stats import screening, write_scores


@pytest.fixture(scope="module")
def page(chromium, tmp_path_factory):

    folder = tmp_path_factory.mktemp("page")
    original = write_scores(folder / "a.csv", "s1", ("neutral", "smile"), screening(np.random.default_rng(4)), fps=5)
    recut = write_scores(folder / "b.csv", "s2", ("neutral", "smile"), screening(np.random.default_rng(9)), fps=5)
    result = run_cli("report", str(original), "--versus", str(recut), "--labels", "new,old", "--out", str(folder / "r"))
    assert result.returncode == 0, result.stderr
    tab = chromium.new_page(viewport={"width": 1200, "height": 900})
    problems = []
    tab.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: problems.append(str(e)))
    tab.on("request", lambda r: problems.append(r.url) if not r.url.startswith("file:") else None)
    tab.goto((folder / "r" / "report.html").as_uri())
    tab.wait_for_function("document.body.dataset.ready", timeout=30000)
    yield tab, folder / "r", problems
    tab.close()


def test_the_page_draws_offline_without_errors(page):
    tab, _, problems = page
    assert problems == []
    assert tab.evaluate("window.reactlensCharts.length") == 4  # share, difference, mean, viewers
    assert tab.locator("canvas").count() == 4


def test_hovering_shows_the_csvs_numbers(page):
    tab, out, _ = page
    with open(out / "reaction.csv", newline="") as handle:
        rows = {(r["audience"], r["second"], r["label"]): r for r in csv.DictReader(handle)}
    second = 125
    tab.evaluate(f"""() => {{
        const u = window.reactlensCharts[0];
        u.setCursor({{left: u.valToPos({second} + 0.2, 'x'), top: 20}});
    }}""")
    text = tab.inner_text("#readout")
    assert text.splitlines()[0] == "2:05"
    for audience in ("new", "old"):
        row = rows[(audience, str(second), "smile")]
        share, low, high = (100 * float(row[k]) for k in ("share", "share_low", "share_high"))
        expected = f"smile {share:.1f}% [{low:.1f}–{high:.1f}]"
        line = next(line for line in text.splitlines() if line.startswith(f"{audience}:"))
        assert expected in line and f"{row['viewers']} viewers" in line, (expected, line)


def test_boxes_hide_labels_and_show_sessions(page):
    tab, _, _ = page
    shown = "() => window.reactlensCharts[0].series.filter(s => s.show).map(s => s.label)"
    before = tab.evaluate(shown)
    assert "new neutral" in before and "s1 smile" not in before  # sessions start hidden
    tab.check("input[data-toggle=session][value=s1]")
    tab.uncheck("input[data-toggle=label][value=neutral]")
    after = tab.evaluate(shown)
    assert "new neutral" not in after and "s1 smile" in after and "s1 neutral" not in after
    tab.check("input[data-toggle=label][value=neutral]")
    tab.uncheck("input[data-toggle=session][value=s1]")


def test_dragging_on_one_chart_zooms_them_all(page):
    tab, _, _ = page
    box = tab.locator("#chart-share .u-over").bounding_box()
    y = box["y"] + box["height"] / 2
    tab.mouse.move(box["x"] + box["width"] * 0.4, y)
    tab.mouse.down()
    tab.mouse.move(box["x"] + box["width"] * 0.5, y, steps=5)
    tab.mouse.up()
    tab.wait_for_function("window.reactlensCharts[0].scales.x.max - window.reactlensCharts[0].scales.x.min < 100")
    ranges = tab.evaluate("window.reactlensCharts.map(c => [c.scales.x.min, c.scales.x.max])")
    low, high = ranges[0]
    assert 100 < low < 130 and 130 < high < 160  # 40% to 50% of a 300 s timeline
    assert all(r == pytest.approx(ranges[0]) for r in ranges)
