"""The figures of one face size in an open-set run (bench/lfw_openset.py, issue 16)."""

from __future__ import annotations

import argparse

import numpy as np
import numpy.typing as npt

from bench.openset_curve import rate_at

F32 = npt.NDArray[np.float32]


def threshold_for_rate(top: F32, rate: float, searches: int) -> float:
    """Return the lowest threshold with at most `rate` of the searches at or above it."""
    allowed = int(rate * searches)
    ranked = np.sort(top)[::-1]
    return float(ranked[allowed]) + 1e-6 if allowed < len(ranked) else -1.0


def report(size: int, gal: F32, mated: dict[str, npt.NDArray[np.generic]],
           mated_ids: npt.NDArray[np.int64], non: dict[str, npt.NDArray[np.generic]],
           args: argparse.Namespace) -> dict[str, F32]:
    """Print one face size's figures; return the non-mated probes and their top scores."""
    m_ok = mated["status"] == 0
    n_ok = non["status"] == 0
    total = len(m_ok) + len(n_ok)
    unusable = int((~m_ok).sum() + (~n_ok).sum())
    reasons: dict[str, int] = {}
    for r in np.concatenate([mated["reason"], non["reason"]]):
        if r:
            reasons[str(r)] = reasons.get(str(r), 0) + 1
    m_emb = np.asarray(mated["emb"], np.float32)[m_ok]
    n_emb = np.asarray(non["emb"], np.float32)[n_ok]
    m_scores = m_emb @ gal.T
    rank1 = m_scores.argmax(axis=1) == mated_ids[m_ok]
    m_top = m_scores.max(axis=1)
    # A mated search is found at threshold t if its own entry is first and scores >= t.
    m_found = np.where(rank1, m_top, -2.0).astype(np.float32)
    n_top = (n_emb @ gal.T).max(axis=1)
    n_all, m_all = len(n_ok), len(m_ok)
    sizes = np.asarray(mated["size"], np.float32)[m_ok]

    def miss(t: float) -> float:
        return 1 - float((m_found >= t).sum()) / m_all

    print(f"\n== faces ~{size} px in 640x480 (measured median box {np.median(sizes):.0f} px)")
    print(f"searches: {m_all} mated, {n_all} non-mated; gallery {len(gal)}")
    print(f"no usable face: {unusable / total * 100:.2f} % ({unusable}; "
          + ", ".join(f"{k} {v}" for k, v in sorted(reasons.items())) + ")")
    print(f"rank-1 (usable mated searches): {rank1.mean() * 100:.2f} %; "
          f"of all mated: {rank1.sum() / m_all * 100:.2f} %")
    t = args.watch
    print(f"at watch {t:.3f}: false alarms {rate_at(n_top, t, n_all) * 100:.2f} % per search, "
          f"miss {miss(t) * 100:.2f} %")
    rt = args.rule_threshold
    print(f"at the shipped rule ({len(gal)} people, target {args.target * 100:g} %: {rt:.3f}): "
          f"false alarms {rate_at(n_top, rt, n_all) * 100:.2f} % per search, "
          f"miss {miss(rt) * 100:.2f} %")
    print("missed at the shipped rule's threshold for other list sizes (this gallery): "
          + "; ".join(f"{n:,} people {t:.3f}: {miss(t) * 100:.2f} %"
                      for n, t in args.rule_by_size.items()))
    for rate in (0.01, 0.001):
        tr = threshold_for_rate(n_top, rate, n_all)
        print(f"at {rate * 100:g} % false alarms per search (threshold {tr:.3f}): "
              f"miss {miss(tr) * 100:.2f} %")
    tr = threshold_for_rate(n_top, 0.01, n_all)
    every = np.asarray(mated["size"], np.float32)
    found_all = np.full(m_all, -2.0, np.float32)
    found_all[m_ok] = m_found
    bins = [(0, 32), (32, 40), (40, 48), (48, 56), (56, 80), (80, 1000)]
    parts = []
    for lo, hi in bins:
        sel = (every >= lo) & (every < hi) & m_ok
        if sel.sum() >= 20:
            parts.append(f"{lo}-{hi} px: {(found_all[sel] < tr).mean() * 100:.1f} % "
                         f"of {int(sel.sum())}")
    print("miss at 1 % false alarms by detected face size (usable faces): " + "; ".join(parts))
    return {"n_top": n_top, "n_emb": n_emb, "m_found": m_found,
            "m_all": np.array([m_all], np.float32)}
