"""Which changes to the fast method make its bad local minima rarer: measured on the tuning half only.

The first fast method (chapter 13, first edition) stopped, on some photos it had never seen, in local minima up
to several percent worse than full k-means. This study starts from that method and adds, one at a time and then
all together, the changes the issue proposed, on every image of the *tuning* half of the evaluation set
(:mod:`evalset`) and with ten seeds each:

- ``bin means``: each 7-bit bin stands at the mean colour of its pixels instead of the centre of the bin;
- ``start level``: the starts are drawn on the coarsest level with at least 500 points (a low-contrast frame
  has few coarse bins) instead of always on the 4-bit level;
- ``convergence test``: Lloyd's algorithm stops by scikit-learn's test on each level instead of after a fixed 6
  and 5 steps (at most 10 steps on the coarsest level);
- ``20 starts``: twenty k-means++ starts instead of ten;
- ``rank again``: every start takes two steps on the next finer level before the best are chosen, instead of
  choosing the best three on the coarsest level;
- ``refine to the end``: a final refinement, Lloyd's algorithm to convergence on the full-detail table.

All changes but the last made the second fast method (the variant ``second fast method``). The third (issue 13,
second round) also changes how the kept starts end:

- ``three to the end``: the best three starts (not two) converge on the level where they were ranked, then
  take one step on each finer level, and all three reach the table (instead of only the best of each level);
- ``pick by Delta E``: of those whose objective is within 1 % of the lowest, the one with the lowest mean
  Delta E 76 on the level just coarser than the table goes on to the table.

The fast method now (issue 13, third round) works on a smaller table, and spends part of the time that saves on
the refinement:

- ``the 6-bit table``: an image up to full HD is counted in 6-bit bins (4 x 4 x 4 colours, each at the mean colour
  of its pixels) instead of 7-bit ones, so the table has about a quarter as many colours;
- ``refine to the end``, as above, on that smaller table;
- ``five start steps``: at most five steps of every start on the coarsest level (instead of ten);
- ``a fourth kept start``: the best four starts after the ranking go on (instead of three).

The variant ``all (the fast method)`` has every change; it is the fast method as
``kpalette.fast`` implements it, and the script checks that it gives the library's palettes, so the study
measures the method the book ships. Each ``all but`` variant takes one change away from it.

For each variant: how many runs (image x seed) end more than 1 % above full k-means (mean Delta E 76 of every
pixel to its nearest palette colour, the measure of the issue) and more than 1 % above it in the k-means
objective itself (mean squared Delta E 76), the mean, 95th percentile and worst ratios, and the CPU time
relative to the first method in the same run. Output: ``results/robustness.csv``.
"""

from __future__ import annotations

import csv
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

import evalset

HERE = Path(__file__).resolve().parent
OUT = HERE / "results" / "robustness.csv"
K = 8
SEEDS = tuple(range(10))


@dataclass(frozen=True)
class Variant:
    """How the search runs; the defaults are the first fast method."""

    means: bool = False          # bins at their pixels' mean colour (else at the bin's centre)
    levels: tuple[int, ...] = (5, 4)
    min_points: int = 0          # start on the coarsest level with at least this many points
    converge: bool = False       # scikit-learn's convergence test (else fixed steps)
    n_init: int = 10
    rank_steps: int = 0          # steps of every start on the next level before choosing (0: choose on the coarsest)
    keep: int = 3
    refine: bool = False         # Lloyd to convergence on the full-detail table before the last update
    fine_steps: int | None = None  # steps of the kept starts on the levels after the first finer one (None: converge)
    to_the_end: bool = False     # the kept starts all go on to the table (else only the best of each level)
    pick_margin: float | None = None  # compare the kept sets by mean Delta E within this objective margin
    table_bits: int = 7          # bits per channel of the colour table
    start_steps: int = 10        # at most this many steps of every start on the coarsest level (convergence test)


FIRST = Variant()
SECOND = Variant(means=True, levels=(6, 5, 4, 3), min_points=500, converge=True, n_init=20, rank_steps=2, keep=2)
THIRD = replace(SECOND, keep=3, fine_steps=1, to_the_end=True, pick_margin=0.01)
FINAL = replace(THIRD, table_bits=6, levels=(5, 4, 3), start_steps=5, refine=True, keep=4)
VARIANTS = {
    "first fast method": FIRST,
    "+ bin means": replace(FIRST, means=True),
    "+ start level": replace(FIRST, levels=(6, 5, 4, 3), min_points=500),
    "+ convergence test": replace(FIRST, converge=True),
    "+ 20 starts": replace(FIRST, n_init=20),
    "+ rank again": replace(FIRST, rank_steps=2, keep=2),
    "+ refine to the end": replace(FIRST, refine=True),
    "second fast method": SECOND,
    "third fast method": THIRD,
    "all but bin means": replace(FINAL, means=False),
    "all but start level": replace(FINAL, levels=(5, 4), min_points=0),
    "all but convergence test": replace(FINAL, converge=False),
    "all but 20 starts": replace(FINAL, n_init=10),
    "all but rank again": replace(FINAL, rank_steps=0),
    "all but pick by Delta E": replace(FINAL, pick_margin=None),
    "all but the 6-bit table": replace(FINAL, table_bits=7, levels=(6, 5, 4, 3)),
    "all but refine to the end": replace(FINAL, refine=False),
    "all but five start steps": replace(FINAL, start_steps=10),
    "all but a fourth kept start": replace(FINAL, keep=3),
    "all (the fast method)": FINAL,
}


def centres(pixels: np.ndarray, v: Variant, seed: int) -> np.ndarray:
    """The palette (Lab centres) of one variant, built from kpalette.fast's parts."""
    from kpalette.fast import (ColourTable, _closest, _Level, _nearest, colour_table, kmeans_pp, lloyd, pyramid,
                               tolerance)
    table = colour_table(pixels, v.table_bits)
    if not v.means:
        table = ColourTable(table.codes, table.counts, table.bits)
    points, counts = table.lab, table.counts
    rng = np.random.default_rng(seed)
    tol = tolerance(points, counts) if v.converge else 1e-4
    chain = [(points, counts)] + [(p, w) for p, w, _ in pyramid(table, points, v.levels)]
    start = max([i for i, (p, _) in enumerate(chain) if len(p) >= v.min_points and len(p) > K] or [0])
    first_steps, level_steps = (v.start_steps, 300) if v.converge else (6, 5)
    c = kmeans_pp(*chain[start], K, rng, runs=v.n_init)
    c, labels, inertia, _ = lloyd(*chain[start], c, max_iter=first_steps if start else 300, tol=tol)
    if start == 0 and v.to_the_end:
        best = np.argsort(inertia, kind="stable")[:v.keep]
        labels, inertia = labels[best], inertia[best]
    for level in range(start - 1, -1, -1):
        if level == start - 1:
            if v.rank_steps:
                c, _, inertia, _ = lloyd(*chain[level], c, max_iter=v.rank_steps, tol=tol)
            c = c[np.argsort(inertia, kind="stable")[:v.keep]]
        steps = (300 if v.refine else 0) if level == 0 else level_steps
        if 0 < level < start - 1 and v.fine_steps is not None:
            steps = v.fine_steps
        if level == 0 and start >= 2 and v.to_the_end and v.pick_margin is not None:
            # the level just coarser than the table chooses which set goes on, as the library does
            finer = _Level(*chain[1])
            _, d2 = _nearest(finer.cols, finer.sq_norms, c)
            c = c[[_closest(d2.astype(np.float64), finer.weights)]]
        c, labels, inertia, _ = lloyd(*chain[level], c, max_iter=steps, tol=tol if v.converge else 1e-3)
        if not v.to_the_end:
            best = np.argsort(inertia, kind="stable")[:1]
            c, labels, inertia = c[best], labels[best], inertia[best]
    if v.pick_margin is None:
        labels = labels[np.argsort(inertia, kind="stable")[:1]]
    finals, de, sq = [], [], []
    level0 = _Level(points, counts)
    for lab in labels:   # the last update of each set, then its objective and mean distance on the table
        weights = np.bincount(lab, weights=counts, minlength=K)
        sums = np.stack([np.bincount(lab, weights=counts * points[:, j], minlength=K) for j in range(3)], axis=1)
        keep = weights > 0
        finals.append(sums[keep] / weights[keep, None])
        _, d2 = _nearest(level0.cols, level0.sq_norms, finals[-1][None])   # as the library measures it
        d2 = d2[0].astype(np.float64)
        de.append((np.sqrt(d2) * counts).sum())
        sq.append((d2 * counts).sum())
    de, sq = np.array(de), np.array(sq)
    if v.pick_margin is not None:
        de[sq > sq.min() * (1 + v.pick_margin)] = np.inf
    return finals[int(np.argmin(de))]


def run(out: Path = OUT, log=print) -> list[dict]:  # noqa: ANN001
    from kpalette.fast import fast_centers
    cache = evalset.read_cache()
    ratios = {name: ([], []) for name in VARIANTS}
    seconds = {name: 0.0 for name in VARIANTS}
    cases = evalset.select("tuning")
    for i, case in enumerate(cases):
        image = case.make()
        colours = evalset.Colours(image)
        row = cache[case.name]
        pixels = image.reshape(-1, 3)
        for seed in SEEDS:
            for name, v in VARIANTS.items():
                start = time.process_time()
                c = centres(pixels, v, seed)
                seconds[name] += time.process_time() - start
                ratios[name][0].append(colours.mean_delta_e(c) / float(row["kmeans_de76"]) - 1)
                ratios[name][1].append(colours.inertia(c) / float(row["kmeans_sq_de76"]) - 1)
                if v == FINAL and i % 10 == 0:   # the study's final variant is the library's method
                    library, _ = fast_centers(pixels, K, seed=seed)
                    assert np.array_equal(np.sort(library, axis=0), np.sort(c, axis=0)), case.name
        if i % 20 == 0:
            log(f"robustness: {i + 1}/{len(cases)} tuning images")
    rows = []
    for name in VARIANTS:
        de, sq = (np.array(x) for x in ratios[name])
        rows.append({"variant": name, "runs": len(de),
                     "over_1pct_de76": int((de > 0.01).sum()), "over_1pct_objective": int((sq > 0.01).sum()),
                     "mean_de76_pct": round(100 * de.mean(), 3), "p95_de76_pct": round(100 * np.percentile(de, 95), 3),
                     "worst_de76_pct": round(100 * de.max(), 3), "worst_objective_pct": round(100 * sq.max(), 3),
                     "time_vs_first": round(seconds[name] / seconds["first fast method"], 2)})
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return rows


if __name__ == "__main__":
    for r in run():
        print(r)
