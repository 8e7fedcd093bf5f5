"""False alarms per search vs list size, and the conservative false-match curve (issue 16).

Used by bench/lfw_openset.py. The curve the recognizer ships (`FAR_PER_COMPARISON`,
plugins/recognition/onnx_face/const.py) is fitted here:

- impostor pairs: every usable non-mated search against every gallery entry, plus every
  usable mated search against every gallery entry but its own person (a different person
  either way), per face size and pipeline;
- per size, the threshold at a per-comparison rate r is the lowest score t whose count of
  impostor pairs at or above it, k, has a one-sided 95 % Poisson upper bound <= r x pairs:
  the curve is a bound on the rate, not its noisy estimate (at 1e-6 the estimate rests on
  ~20 pairs), and only where at least 10 pairs pass it;
- the shipped curve is the upper envelope over the face sizes and pipelines measured:
  at every rate the highest of their thresholds, so the target holds for the worst of them.

`--fit` also checks the fit on people it never saw: a curve fitted on half of the non-mated
people (and the mated impostor pairs), the rule evaluated on the other half.
"""

from __future__ import annotations

import argparse
import math

import numpy as np
import numpy.typing as npt

F32 = npt.NDArray[np.float32]
#: Rates the curve is fitted at: half decades from 1e-2 down to where the pairs run out.
RATES = tuple(10 ** (-2 - j / 2) for j in range(10))
#: One-sided 95 % normal quantile for the Poisson upper bound.
Z95 = 1.645
#: A point is fitted only where at least this many impostor pairs pass its threshold (below,
#: the bound rests on a handful of faces and its slope would set every longer list's).
MIN_PAIRS = 10


class FaceLike:
    """Synthetic people with the mean and covariance of real gallery embeddings."""

    def __init__(self, real: F32, seed: int = 0) -> None:
        self.mean = real.mean(axis=0)
        values, vectors = np.linalg.eigh(np.cov(real, rowvar=False))
        self.scale = (vectors * np.sqrt(np.clip(values, 0, None))).astype(np.float32)
        self.rng = np.random.default_rng(seed)

    def sample(self, n: int) -> F32:
        """Return n L2-normalised vectors."""
        z = self.rng.standard_normal((n, self.scale.shape[0])).astype(np.float32)
        out = z @ self.scale.T + self.mean
        return np.asarray(out / np.linalg.norm(out, axis=1, keepdims=True), np.float32)


def top_scores(probes: F32, gallery: F32) -> F32:
    """Return each probe's highest score against the gallery (blocks of 20,000)."""
    best = np.full(len(probes), -1.0, np.float32)
    for i in range(0, len(gallery), 20_000):
        best = np.maximum(best, (probes @ gallery[i : i + 20_000].T).max(axis=1))
    return best


def rate_at(top: F32, threshold: float, searches: int) -> float:
    """Return the share of `searches` whose top score reaches the threshold."""
    return float((top >= threshold).sum() / searches)


def poisson_upper(k: int, z: float = Z95) -> float:
    """One-sided upper confidence bound of a Poisson mean from k events (Wilson-Hilferty)."""
    n = k + 1
    return float(n * (1 - 1 / (9 * n) + z / (3 * math.sqrt(n))) ** 3)


class Impostors:
    """The high impostor scores of one face size and pipeline (sorted, highest first)."""

    def __init__(self, high: F32, pairs: int) -> None:
        self.high = high
        self.pairs = pairs

    @classmethod
    def of(cls, gallery: F32, nonmated: F32, mated: F32 | None = None,
           mated_ids: npt.NDArray[np.int64] | None = None, floor: float = 0.2) -> Impostors:
        """Score every impostor pair; keep the scores above `floor`."""
        kept = []
        for i in range(0, len(nonmated), 2_000):
            block = nonmated[i : i + 2_000] @ gallery.T
            kept.append(block[block > floor])
        pairs = len(nonmated) * len(gallery)
        if mated is not None and mated_ids is not None:
            for i in range(0, len(mated), 2_000):
                block = mated[i : i + 2_000] @ gallery.T
                block[np.arange(len(block)), mated_ids[i : i + 2_000]] = -1.0  # own person
                kept.append(block[block > floor])
            pairs += len(mated) * (len(gallery) - 1)
        high = np.sort(np.concatenate(kept))[::-1].astype(np.float32)
        return cls(high, pairs)

    def estimate(self, rate: float) -> float | None:
        """The plain estimate: the score of the (rate x pairs)-th highest pair."""
        k = int(rate * self.pairs)
        return float(self.high[k - 1]) if 1 <= k <= len(self.high) else None

    def bound(self, rate: float) -> float | None:
        """The lowest threshold whose 95 % upper bound on the rate is <= `rate`."""
        budget = rate * self.pairs
        if poisson_upper(0) > budget:
            return None  # too few pairs to bound this rate
        lo, hi = 0, len(self.high)  # largest k with poisson_upper(k) <= budget
        while lo < hi:
            mid = (lo + hi + 1) // 2
            lo, hi = (mid, hi) if poisson_upper(mid) <= budget else (lo, mid - 1)
        if lo < MIN_PAIRS or lo >= len(self.high):
            return None
        # k pairs strictly above the threshold: just above the (k+1)-th highest score.
        return float(np.nextafter(self.high[lo], np.float32(2)))


def envelope(curves: dict[str, Impostors],
             rates: tuple[float, ...] = RATES) -> list[tuple[float, float]]:
    """The upper envelope of the bounded curves at every rate all of them can bound."""
    out = []
    for rate in rates:
        bounds = [c.bound(rate) for c in curves.values()]
        if all(b is not None for b in bounds):
            out.append((rate, round(max(b for b in bounds if b is not None) + 5e-4, 3)))
    return out


def print_fit(curves: dict[str, Impostors], fitted: list[tuple[float, float]]) -> None:
    """Print per-size estimates and bounds, the envelope, and the Python tuple to ship."""
    names = list(curves)
    print("\n== false-match rate per comparison -> threshold (estimate / 95 % bound)")
    print(f"{'rate':>9} | " + " | ".join(f"{n} ({curves[n].pairs / 1e6:.1f} M pairs)"
                                          for n in names) + " | envelope")
    env = dict(fitted)
    for rate in RATES:
        cells = []
        for n in names:
            e, b = curves[n].estimate(rate), curves[n].bound(rate)
            cells.append(f"{e:.3f} / {b:.3f}" if e is not None and b is not None
                         else f"{e:.3f} / -" if e is not None else "-")
        last = f"{env[rate]:.3f}" if rate in env else "-"
        print(f"{rate:>9.2e} | " + " | ".join(f"{c:>20}" for c in cells) + f" | {last}")
    print("\nFAR_PER_COMPARISON: Final = (")
    for rate, thr in fitted:
        print(f"    ({rate:.3g}, {thr:.3f}),")
    print(")")


def evaluate(gal: F32, probes: dict[str, F32], searches: dict[str, int],
             curve: list[tuple[float, float]] | tuple[tuple[float, float], ...],
             args: argparse.Namespace, seed: int = 1) -> None:
    """Print false alarms per search vs list size per face size, fixed vs sized threshold."""
    from hub.recognition.thresholds import SizedThresholds
    from plugins.recognition.onnx_face.const import DEFAULT_THRESHOLDS

    rule = SizedThresholds({}, {"watch": args.target}, curve, DEFAULT_THRESHOLDS)
    rng = np.random.default_rng(seed)
    synth = FaceLike(gal)
    fake = synth.sample(len(gal))
    for name, p in probes.items():
        real_rate = rate_at(top_scores(p, gal), args.watch, searches[name])
        fake_rate = rate_at(top_scores(p, fake), args.watch, searches[name])
        print(f"check {name}: {len(gal)} real vs synthetic people at {args.watch}: "
              f"{real_rate * 100:.2f} % vs {fake_rate * 100:.2f} %")
    extra = synth.sample(100_000 - len(gal))
    print(f"{'people':>8} | {'threshold':>9} | " + " | ".join(
        f"{n}: fixed {args.watch} / sized" for n in probes))
    for n_people in (10, 100, 1_000, len(gal), 10_000, 100_000):
        rule.resize({"watch": n_people})
        thr = rule["watch"]
        draws = 20 if n_people < len(gal) else 1
        rows: dict[str, list[tuple[float, float]]] = {n: [] for n in probes}
        for _ in range(draws):
            g = (gal[rng.choice(len(gal), n_people, replace=False)] if n_people <= len(gal)
                 else np.concatenate([gal, extra[: n_people - len(gal)]]))
            for name, p in probes.items():
                top = top_scores(p, g)
                rows[name].append((rate_at(top, args.watch, searches[name]),
                                   rate_at(top, thr, searches[name])))
        cells = [f"{np.mean([r[0] for r in v]) * 100:.2f} % / "
                 f"{np.mean([r[1] for r in v]) * 100:.2f} % (worst draw "
                 f"{max(r[1] for r in v) * 100:.2f} %)" for v in rows.values()]
        print(f"{n_people:>8} | {thr:>9.3f} | " + " | ".join(cells))
