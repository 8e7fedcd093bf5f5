"""LFW verification with the onnx_face pipeline: 6,000 pairs, 10-fold accuracy, TAR@FAR.

Usage: python bench/lfw_eval.py LFW_DIR [--models DIR] [--pairs FILE] [--limit N]
LFW_DIR holds <Name>/<Name>_NNNN.jpg (and pairs.txt unless --pairs is given). Nothing is
downloaded; see bench/README.md for where LFW was obtained.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from hub.recognition.fetch import default_models_dir
from plugins.recognition.onnx_face.geometry import five_points_from_68
from plugins.recognition.onnx_face.models import default_model_set
from plugins.recognition.onnx_face.pipeline import FacePipeline, QualityGates

F32 = npt.NDArray[np.float32]
Pair = tuple[str, str, bool]


def read_pairs(path: Path) -> list[list[Pair]]:
    """Return the folds of (image a, image b, same person) from an LFW pairs.txt."""
    lines = path.read_text().split("\n")
    folds_n, per = (int(v) for v in lines[0].split())
    rows = [ln.split("\t") for ln in lines[1:] if ln.strip()]
    name = "{0}/{0}_{1:04d}.jpg".format
    folds: list[list[Pair]] = []
    for f in range(folds_n):
        chunk = rows[f * 2 * per : (f + 1) * 2 * per]
        fold = [
            (name(r[0], int(r[1])), name(r[0], int(r[2])), True)
            if len(r) == 3
            else (name(r[0], int(r[1])), name(r[2], int(r[3])), False)
            for r in chunk
        ]
        folds.append(fold)
    return folds


def embed_image(pipe: FacePipeline, path: Path) -> tuple[F32, bool]:
    """Embed the face nearest the image centre; fall back to a centred box if none is found."""
    image = cv2.imread(str(path))
    if image is None:
        raise SystemExit(f"{path}: cannot read")
    h, w = image.shape[:2]
    boxes = pipe.detect_boxes(image)
    found = bool(boxes)
    if found:
        centre = np.array([w / 2, h / 2])
        box = min(boxes, key=lambda b: float(np.linalg.norm((b[0][:2] + b[0][2:]) / 2 - centre)))[0]
    else:
        box = np.array([w * 0.25, h * 0.25, w * 0.75, h * 0.75], dtype=np.float32)
    five = five_points_from_68(pipe.landmarks68(image, box))
    return pipe.embed_aligned([pipe.align(image, five)])[0], found


def best_threshold(scores: F32, same: npt.NDArray[np.bool_]) -> float:
    """Return the threshold with the highest accuracy on these pairs."""
    candidates = np.unique(scores)
    accs = [((scores >= t) == same).mean() for t in candidates]
    return float(candidates[int(np.argmax(accs))])


def evaluate(scores: F32, same: npt.NDArray[np.bool_], folds: int) -> dict[str, float]:
    """10-fold accuracy (threshold from the other 9 folds) and TAR at FAR 1e-3 and 1e-2."""
    idx = np.arange(len(scores)).reshape(folds, -1)
    accs = []
    for k in range(folds):
        train = np.concatenate([idx[j] for j in range(folds) if j != k])
        t = best_threshold(scores[train], same[train])
        accs.append(((scores[idx[k]] >= t) == same[idx[k]]).mean())
    neg = np.sort(scores[~same])[::-1]
    out = {"accuracy": float(np.mean(accs)), "accuracy_std": float(np.std(accs))}
    for far in (1e-3, 1e-2):
        k = max(int(far * len(neg)), 1)
        thr = neg[k - 1]  # scores strictly above the k-th highest impostor: <= k false accepts
        out[f"tar@far={far:g}"] = float((scores[same] > thr).mean())
        out[f"threshold@far={far:g}"] = float(thr)
    out["best_threshold"] = best_threshold(scores, same)
    return out


def far_table(cache: dict[str, F32], fars: tuple[float, ...]) -> list[tuple[float, float, float]]:
    """Cosine threshold and TAR at each FAR over every pair of the embedded images.

    Impostors: all pairs of images of different people (~30 M for the 7,701 images of the
    6,000 pairs); genuines: all pairs of images of the same person.
    """
    names = sorted(cache)
    people = np.array([Path(n).stem.rsplit("_", 1)[0] for n in names])
    emb = np.stack([cache[n] for n in names])
    same_scores, neg_top = [], np.zeros(0, np.float32)
    keep = int(max(fars) * len(names) ** 2) + 10
    for i in range(0, len(names), 512):
        block = emb[i : i + 512] @ emb.T
        for r in range(block.shape[0]):
            row, j = block[r], i + r
            mask_later = np.arange(len(names)) > j
            same = mask_later & (people == people[j])
            same_scores.append(row[same])
            diff = row[mask_later & (people != people[j])]
            neg_top = np.concatenate([neg_top, diff[diff > 0.15]])
        if len(neg_top) > 4 * keep:
            neg_top = np.sort(neg_top)[-keep:]
    n_neg = sum(int(((people != people[j]) & (np.arange(len(names)) > j)).sum())
                for j in range(len(names)))
    neg_sorted = np.sort(neg_top)[::-1]
    genuine = np.concatenate(same_scores)
    rows = []
    for far in fars:
        k = max(int(far * n_neg), 1)
        thr = float(neg_sorted[k - 1])
        rows.append((far, thr, float((genuine > thr).mean())))
    print(f"impostor pairs: {n_neg:,}  genuine pairs: {len(genuine):,}")
    return rows


def eval_pipeline(models: Path, flip: bool = True) -> FacePipeline:
    """The pipeline with quality gates open: evaluation must embed every image."""
    gates = QualityGates(detect_threshold=0.5, min_face_size=0, min_blur=0, max_yaw=90,
                         max_pitch=90)
    return FacePipeline(replace(default_model_set(models), flip_embed=flip), gates)


def all_pairs(args: argparse.Namespace) -> None:
    """Embed every image under the folder; print the FAR table over all pairs."""
    pipe = eval_pipeline(args.models, args.flip)
    paths = sorted(args.lfw_dir.rglob("*.jpg"))
    cache = {str(p.relative_to(args.lfw_dir)): embed_image(pipe, p)[0] for p in paths}
    print(f"images: {len(cache)}")
    print("FAR (per comparison)   cosine threshold   TAR (all genuine pairs)")
    for far, thr, tar in far_table(cache, (1e-2, 1e-3, 1e-4)):
        print(f"{far:>20g}   {thr:16.3f}   {tar * 100:6.2f} %")


def main() -> None:
    """Run the evaluation and print the figures."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("lfw_dir", type=Path)
    ap.add_argument("--models", type=Path, default=default_models_dir())
    ap.add_argument("--pairs", type=Path)
    ap.add_argument("--limit", type=int, default=0,
                    help="use only the first N same and N different pairs per fold")
    ap.add_argument("--far-table", action="store_true",
                    help="also print thresholds at FAR 1e-3..1e-6 over all image pairs")
    ap.add_argument("--save", type=Path,
                    help="write the embeddings (N x 512 float32 .npy) for bench_recognition.py")
    ap.add_argument("--no-flip", dest="flip", action="store_false",
                    help="embed the face only (default: average with its mirror image)")
    ap.add_argument("--all-pairs", action="store_true",
                    help="no pairs file: embed every image under the folder (e.g. "
                    "data/faces) and print only the FAR table")
    args = ap.parse_args()
    if args.all_pairs:
        all_pairs(args)
        return
    folds = read_pairs(args.pairs or args.lfw_dir / "pairs.txt")
    if args.limit:
        folds = [f[: args.limit] + f[len(f) // 2 : len(f) // 2 + args.limit] for f in folds]
    pipe = eval_pipeline(args.models, args.flip)
    cache: dict[str, F32] = {}
    misses = 0
    t0 = time.perf_counter()
    scores, same = [], []
    for fold in folds:
        for a, b, is_same in fold:
            for p in (a, b):
                if p not in cache:
                    cache[p], found = embed_image(pipe, args.lfw_dir / p)
                    misses += not found
            scores.append(float(cache[a] @ cache[b]))
            same.append(is_same)
    took = time.perf_counter() - t0
    if args.save:
        np.save(args.save, np.stack([cache[k] for k in sorted(cache)]))
    res = evaluate(np.array(scores, np.float32), np.array(same), len(folds))
    print(f"pairs: {len(scores)}  images: {len(cache)}  no face detected: {misses}  "
          f"time: {took:.0f} s ({took / len(cache) * 1000:.1f} ms/image)")
    print(f"10-fold accuracy: {res['accuracy'] * 100:.2f} % +/- {res['accuracy_std'] * 100:.2f}")
    for far in ("0.001", "0.01"):
        print(f"TAR@FAR={far}: {res['tar@far=' + far] * 100:.2f} % "
              f"(cosine threshold {res['threshold@far=' + far]:.3f})")
    print(f"best single threshold (all pairs): {res['best_threshold']:.3f}")
    if args.far_table:
        print("FAR (per comparison)   cosine threshold   TAR (all genuine pairs)")
        for far, thr, tar in far_table(cache, (1e-3, 1e-4, 1e-5, 1e-6)):
            print(f"{far:>20g}   {thr:16.3f}   {tar * 100:6.2f} %")


if __name__ == "__main__":
    main()
