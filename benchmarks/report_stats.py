"""How honest the report's bands and comparisons are, on simulated audiences with known answers.

    python benchmarks/report_stats.py [--audiences 300] [--pairs 24]

1. Coverage: in audiences of 12 viewers drawn from a population with a known share per second (scenes of
   differing pull, viewers who differ in how easily they react), how often the 95% band holds the true
   share — the report's Bayesian bootstrap against the plain percentile bootstrap (SciPy's method).
2. False differences: two independent 12-viewer audiences of the same 5-minute film (a funny scene every
   30 s), compared as `reactlens report A --versus B` compares them: runs reported per hour of film,
   where every run is false.
   With the report's simultaneous bands, and with pointwise ones for comparison.
3. Power: the same audience against a copy in which one scene's smiles were removed: how often that scene
   is the one run found for the smile label.

The simulations are the test suite's (``tests/test_report_stats.py``).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reactlens.report.bootstrap import (
    difference_band,
    mean_band,
)
from reactlens.report.compare import Comparison, compare, regions_of
from reactlens.report.load import load_results
from tests.test_report_stats import SCENE, screening, simulated_audience, write_scores

LABELS = ("neutral", "smile")


def coverage(audiences: int) -> None:
    rng = np.random.default_rng(21)
    ours, plain = [], []
    for trial in range(audiences):
        truth, showing = simulated_audience(rng, 12, 60)
        band = mean_band(showing, np.ones_like(showing, dtype=bool), seed=trial)
        ours.append((band.low <= truth) & (truth <= band.high))
        draws = showing[rng.integers(0, 12, (1000, 12))].mean(axis=1)
        low, high = np.quantile(draws, [0.025, 0.975], axis=0)
        plain.append((low <= truth) & (truth <= high))
    print(f"coverage of the true share, {audiences} audiences of 12 viewers × 60 s (nominal 95%):")
    print(f"  report's band (Bayesian bootstrap, Jeffreys prior): {np.mean(ours):.3f}")
    print(f"  plain percentile bootstrap over viewers:           {np.mean(plain):.3f}")


def pointwise_runs(comparison: Comparison) -> int:
    """The runs the comparison would report with pointwise bands instead of simultaneous ones."""
    a, b = comparison.a, comparison.b
    runs = 0
    for label in a.labels:
        band = difference_band(
            (a.grid.showing[label], a.grid.present), (b.grid.showing[label], b.grid.present), simultaneous=False
        )
        runs += len(regions_of(label, a.grid.seconds, band, a.label_curve(label), b.label_curve(label)))
    return runs


def comparisons(pairs: int) -> None:
    false_runs, pointwise, found = 0, 0, 0
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        for pair in range(pairs):
            a = screening(np.random.default_rng(1000 + pair))
            b = screening(np.random.default_rng(5000 + pair))
            path_a = write_scores(root / "a.csv", "a", LABELS, a, fps=5)
            path_b = write_scores(root / "b.csv", "b", LABELS, b, fps=5)
            results_a = load_results([str(path_a)])
            null = compare(results_a, load_results([str(path_b)]))
            false_runs += len(null.regions)
            pointwise += pointwise_runs(null)
            lost = {face: s.copy() for face, s in a.items()}
            for scores in lost.values():
                scores[SCENE[0] * 5 : SCENE[1] * 5] = [0.96, 0.04]
            path_c = write_scores(root / "c.csv", "c", LABELS, lost, fps=5)
            runs = [r for r in compare(results_a, load_results([str(path_c)])).regions if r["label"] == "smile"]
            found += len(runs) == 1 and SCENE[0] <= runs[0]["start_s"] and runs[0]["end_s"] <= SCENE[1] + 2
    hours = pairs * 5 / 60
    print(f"two independent 12-viewer audiences of the same film, {pairs} pairs × 5 min, both labels:")
    print(f"  false runs reported: {false_runs} ({false_runs / hours:.1f} per hour of film)")
    print(f"  … had the bands been pointwise: {pointwise} ({pointwise / hours:.1f} per hour of film)")
    print(f"one scene's smiles removed: found as the one smile run in {found} of {pairs}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--audiences", type=int, default=300)
    parser.add_argument("--pairs", type=int, default=24)
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    coverage(args.audiences)
    comparisons(args.pairs)


if __name__ == "__main__":
    main()
