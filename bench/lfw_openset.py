"""Open-set (1:N) identification on LFW through the camera-frame pipeline (issue 16).

Usage: python bench/lfw_openset.py LFW_DIR [--tag before] [--sizes 130,50] [--workers 2]
           [--watch 0.45] [--target 0.01] [--mated-every 1] [--tracked] [--enrol-refine]

LFW_DIR holds images_deepfunneled/<Name>/<Name>_NNNN.jpg (kept out of the repo).

Protocol:
- gallery: the first photo of every person with two or more photos (1,680 people), enrolled
  from the 250x250 photo the way `add_face` enrols (the face nearest the centre);
- mated searches: those people's other photos (7,484); non-mated: the 4,069 people with one;
- every search photo is scaled so that its face is about S px and pasted at a random place
  in a 640x480 frame (grey wall with sensor noise), JPEG-encoded at quality 90 like a camera
  stream, and analysed by the shipped pipeline (`FacePipeline.analyze` with the shipped
  gates, what the recognizer's workers run on camera frames); the face nearest the pasted
  photo's centre is the search; none, or a rejected one, is "no usable face" (a miss);
- false alarms vs gallery size: N real gallery people drawn at random (N <= 1,680) or the
  1,680 plus synthetic people with the mean and covariance of the real gallery embeddings
  (checked against the real gallery at 1,680, printed).

Embeddings are cached in bench/data/openset_<tag>_<size>.npz (git-ignored): a re-run with the
same tag only recomputes the figures.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from hub.recognition.fetch import default_models_dir
from plugins.recognition.onnx_face.config import OnnxFaceConfig
from plugins.recognition.onnx_face.denormals import flush_denormals
from plugins.recognition.onnx_face.pipeline import FacePipeline

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.lfw_errata import keep_mask
from bench.openset_curve import Impostors, envelope, evaluate, print_fit
from bench.openset_report import report

F32 = npt.NDArray[np.float32]
DATA = Path(__file__).resolve().parent / "data"
FRAME_W, FRAME_H = 640, 480
#: Face box side (detector box, px) of an LFW deep-funnelled 250x250 photo, median: measured
#: at the first run and used to scale photos to the wanted face size.
_local = threading.local()
#: `--refine-below`: the small-face refinement limit to try (None: the shipped gates).
REFINE_BELOW: int | None = None
#: `--tracked`: searches go the way a tracked stream's do: judged with the cheap alignment,
#: the usable face then embedded refined from its frame (`refine_decisions`).
TRACKED = False
#: `--enrol-refine`: gallery photos embedded with the refined alignment.
ENROL_REFINE = False


@dataclass
class Split:
    """The open-set split of LFW."""

    gallery: list[Path]
    mated: list[tuple[Path, int]]
    nonmated: list[Path]


def split(lfw: Path) -> Split:
    """Return the gallery (first photo per person with >= 2), mated and non-mated searches."""
    root = lfw / "images_deepfunneled"
    people = sorted(p for p in root.iterdir() if p.is_dir())
    gallery: list[Path] = []
    mated: list[tuple[Path, int]] = []
    nonmated: list[Path] = []
    for person in people:
        photos = sorted(person.glob("*.jpg"))
        if len(photos) == 1:
            nonmated.append(photos[0])
        elif len(photos) >= 2:
            gallery.append(photos[0])
            mated.extend((p, len(gallery) - 1) for p in photos[1:])
    return Split(gallery, mated, nonmated)


def _pipeline(models: Path) -> FacePipeline:
    pipe: FacePipeline | None = getattr(_local, "pipe", None)
    if pipe is None:
        flush_denormals()  # as the hub's workers do (onnx_face/denormals.py)
        cfg = OnnxFaceConfig()
        gates = cfg.gates() if REFINE_BELOW is None else replace(cfg.gates(),
                                                                   refine_below=REFINE_BELOW)
        pipe = FacePipeline(cfg.model_set(models), gates)
        _local.pipe = pipe
    return pipe


def _walls() -> list[npt.NDArray[np.uint8]]:
    """Four grey walls with sensor noise, made once (noise per frame cost 50 ms)."""
    walls: list[npt.NDArray[np.uint8]] | None = getattr(_local, "walls", None)
    if walls is None:
        rng = np.random.default_rng(7)
        walls = [np.clip(rng.normal(110, 6, (FRAME_H, FRAME_W, 3)), 0, 255).astype(np.uint8)
                 for _ in range(4)]
        _local.walls = walls
    return walls


def place(image: npt.NDArray[np.uint8], scale: float, seed: int) -> tuple[
        npt.NDArray[np.uint8], tuple[float, float]]:
    """Paste the scaled photo at a random spot of a 640x480 frame; return frame and centre."""
    rng = np.random.default_rng(seed)
    side = max(round(image.shape[0] * scale), 8)
    frame = _walls()[seed % 4].copy()
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    photo = cv2.resize(image, (side, side), interpolation=interp)
    side = min(side, FRAME_H)
    photo = photo[:side, :side]
    x = int(rng.integers(0, FRAME_W - side + 1))
    y = int(rng.integers(0, FRAME_H - side + 1))
    frame[y : y + side, x : x + side] = photo
    ok, buf = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 90])
    assert ok
    decoded = cv2.imdecode(buf, cv2.IMREAD_COLOR)
    return np.asarray(decoded, np.uint8), (x + side / 2, y + side / 2)


def analyse(models: Path, path: Path, scale: float | None,
            seed: int) -> tuple[int, str, float, F32]:
    """Return (status 0 usable / 1 none / 2 rejected, reason, face size, embedding)."""
    image = cv2.imread(str(path))
    if image is None:
        raise SystemExit(f"{path}: cannot read")
    if scale is None:
        frame, centre = np.asarray(image, np.uint8), (image.shape[1] / 2, image.shape[0] / 2)
        reach = image.shape[0] * 0.3
    else:
        frame, centre = place(image, scale, seed)
        reach = image.shape[0] * scale * 0.3
    pipe = _pipeline(models)
    if scale is None:
        faces = pipe.analyze(frame, refine_below=10_000 if ENROL_REFINE else None)
    elif TRACKED:
        faces = pipe.analyze(frame, embed=False, keep_aligned=True, refine_below=0,
                             warp=cv2.INTER_CUBIC)  # as sight_in_worker
    else:
        faces = pipe.analyze(frame)
    near = [f for f in faces
            if np.hypot((f.box[0] + f.box[2]) / 2 - centre[0],
                        (f.box[1] + f.box[3]) / 2 - centre[1]) < reach]
    zero = np.zeros(512, np.float32)
    if not near:
        return 1, "no_face", 0.0, zero
    face = min(near, key=lambda f: np.hypot((f.box[0] + f.box[2]) / 2 - centre[0],
                                              (f.box[1] + f.box[3]) / 2 - centre[1]))
    if face.rejected is None and TRACKED and scale is not None:
        return 0, "", face.size, np.asarray(pipe.embed_refined(frame, [face.box])[0],
                                            np.float32)
    if face.rejected is not None or face.embedding is None:
        return 2, face.rejected.value if face.rejected else "no_embedding", face.size, zero
    return 0, "", face.size, np.asarray(face.embedding, np.float32)


def embed_all(models: Path, paths: list[Path], scale: float | None, cache: Path,
              workers: int) -> dict[str, npt.NDArray[np.generic]]:
    """Analyse every photo (or load the cache); return status, reason, size, emb arrays."""
    if cache.exists():
        with np.load(cache) as z:
            return {k: z[k] for k in z.files}
    t0 = time.perf_counter()
    cpu0 = time.process_time()
    done = 0

    def one(i: int) -> tuple[int, str, float, F32]:
        nonlocal done
        out = analyse(models, paths[i], scale, seed=i)
        done += 1
        if done % 1000 == 0:
            print(f"  {cache.name}: {done}/{len(paths)} ({time.perf_counter() - t0:.0f} s)",
                  file=sys.stderr, flush=True)
        return out

    with ThreadPoolExecutor(workers) as pool:
        rows = list(pool.map(one, range(len(paths))))
    took, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    print(f"  {cache.name}: {len(paths)} photos in {took:.0f} s wall, {cpu:.0f} s CPU "
          f"({cpu / len(paths) * 1000:.1f} ms CPU/photo)", file=sys.stderr)
    out: dict[str, npt.NDArray[np.generic]] = {
        "status": np.array([r[0] for r in rows], np.int8),
        "reason": np.array([r[1] for r in rows]),
        "size": np.array([r[2] for r in rows], np.float32),
        "emb": np.stack([r[3] for r in rows]).astype(np.float32),
    }
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.savez(cache, **out)  # type: ignore[arg-type]
    return out


def main() -> None:
    """Embed (or load) every configuration and print the figures."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("lfw_dir", type=Path)
    ap.add_argument("--models", type=Path, default=default_models_dir())
    ap.add_argument("--tag", default="current", help="cache name of this pipeline version")
    ap.add_argument("--sizes", default="130,50")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--watch", type=float, default=0.45, help="fixed watch threshold")
    ap.add_argument("--target", type=float, default=0.01, help="false alarms per search")
    ap.add_argument("--no-curve", action="store_true")
    ap.add_argument("--raw", action="store_true",
                    help="keep LFW's misfiled photos and duplicate names (bench/lfw_errata.py)")
    ap.add_argument("--fit", action="store_true",
                    help="fit the conservative false-match curve (bench/openset_curve.py)")
    ap.add_argument("--fit-tags", default="",
                    help="other cached runs (tags) whose searches the fit also covers")
    ap.add_argument("--mated-every", type=int, default=3,
                    help="use every k-th mated search (all non-mated searches are used)")
    ap.add_argument("--refine-below", type=int, default=None,
                    help="try this small-face refinement limit (px) instead of the shipped one")
    ap.add_argument("--tracked", action="store_true",
                    help="searches judged cheaply, then embedded refined (tracked streams)")
    ap.add_argument("--enrol-refine", action="store_true",
                    help="gallery photos embedded with the refined alignment")
    args = ap.parse_args()
    global REFINE_BELOW, TRACKED, ENROL_REFINE
    REFINE_BELOW, TRACKED, ENROL_REFINE = args.refine_below, args.tracked, args.enrol_refine
    sp = split(args.lfw_dir)
    print(f"LFW: gallery {len(sp.gallery)} people, {len(sp.mated)} mated searches (every "
          f"{args.mated_every}th used), {len(sp.nonmated)} non-mated")
    sp.mated = sp.mated[:: args.mated_every]
    enrol = embed_all(args.models, sp.gallery, None, DATA / f"openset_{args.tag}_gallery.npz",
                      args.workers)
    bad = int((enrol["status"] != 0).sum())
    print(f"gallery photos with no usable face at enrolment: {bad} (enrolled with gates open)")
    gal = np.asarray(enrol["emb"], np.float32)
    if bad:
        fallback = embed_fallback(args.models, [sp.gallery[i] for i in
                                                np.flatnonzero(enrol["status"] != 0)])
        gal[enrol["status"] != 0] = fallback
    base = float(np.median(np.asarray(enrol["size"])[enrol["status"] == 0]))
    print(f"median face box of the 250x250 photos: {base:.0f} px")
    mated_ids = np.array([i for _, i in sp.mated])
    g_keep = keep_mask(sp.gallery) if not args.raw else np.ones(len(sp.gallery), bool)
    m_keep = (keep_mask([p for p, _ in sp.mated]) if not args.raw
              else np.ones(len(sp.mated), bool)) & g_keep[mated_ids]
    n_keep = keep_mask(sp.nonmated) if not args.raw else np.ones(len(sp.nonmated), bool)
    print(f"LFW errata (bench/lfw_errata.py): {int((~g_keep).sum())} gallery people, "
          f"{int((~m_keep).sum())} mated and {int((~n_keep).sum())} non-mated searches left "
          "out" + (" (--raw: none)" if args.raw else ""))
    gal = gal[g_keep]
    mated_ids = (np.cumsum(g_keep) - 1)[mated_ids[m_keep]]
    from hub.recognition.thresholds import SizedThresholds
    from plugins.recognition.onnx_face.const import DEFAULT_THRESHOLDS, FAR_PER_COMPARISON

    rule = SizedThresholds({}, {"watch": args.target}, FAR_PER_COMPARISON, DEFAULT_THRESHOLDS)
    rule.resize({"watch": len(gal)})
    args.rule_threshold = rule["watch"]
    args.rule_by_size = {}
    for n_people in (100, 1_000, 10_000, 100_000):
        rule.resize({"watch": n_people})
        args.rule_by_size[n_people] = rule["watch"]
    probes: dict[str, F32] = {}
    odd: dict[str, F32] = {}
    curves: dict[str, Impostors] = {}
    halves: dict[str, Impostors] = {}
    for size in (int(s) for s in args.sizes.split(",")):
        scale = size / base
        mated = embed_all(args.models, [p for p, _ in sp.mated], scale,
                          DATA / f"openset_{args.tag}_{size}_mated{args.mated_every}.npz",
                          args.workers)
        non = embed_all(args.models, sp.nonmated, scale,
                        DATA / f"openset_{args.tag}_{size}_nonmated.npz", args.workers)
        mated = {k: v[m_keep] for k, v in mated.items()}
        non = {k: v[n_keep] for k, v in non.items()}
        report(size, gal, mated, mated_ids, non, args)
        probes[f"{size} px"] = _usable(non)
        odd[f"{size} px"] = _usable(non, parity=1)
        runs = [(args.tag, mated, non)] + [
            (tag, *_load(tag, size, args.mated_every, m_keep, n_keep))
            for tag in args.fit_tags.split(",") if tag]
        for tag, m, n in runs:
            m_ok = m["status"] == 0
            m_emb, m_ids = _usable(m), mated_ids[m_ok]
            curves[f"{tag} {size} px"] = Impostors.of(gal, _usable(n), m_emb, m_ids)
            halves[f"{tag} {size} px"] = Impostors.of(gal, _usable(n, parity=0), m_emb, m_ids)
    searches = dict.fromkeys(probes, int(n_keep.sum()))
    if args.fit:
        fitted = envelope(curves)
        print_fit(curves, fitted)
        print("\n== the fitted curve, all non-mated searches (in sample)")
        evaluate(gal, probes, searches, fitted, args)
        held = envelope(halves)
        print("\n== held out: the curve fitted on the even non-mated people (with the mated "
              "impostor pairs), the false alarms of the odd ones")
        print("curve: " + ", ".join(f"{r:.3g} {t:.3f}" for r, t in held))
        evaluate(gal, odd, dict.fromkeys(odd, int(n_keep.sum()) // 2), held, args)
    if not args.no_curve:
        print("\n== the shipped curve (FAR_PER_COMPARISON)")
        evaluate(gal, probes, searches, FAR_PER_COMPARISON, args)


def _usable(run: dict[str, npt.NDArray[np.generic]], parity: int | None = None) -> F32:
    """The usable searches' embeddings (of the even or odd people only, if asked)."""
    keep = run["status"] == 0
    if parity is not None:
        keep &= np.arange(len(keep)) % 2 == parity
    return np.asarray(run["emb"], np.float32)[keep]


def _load(tag: str, size: int, every: int, *keep: npt.NDArray[np.bool_],
          ) -> tuple[dict[str, npt.NDArray[np.generic]], ...]:
    """Another pipeline's cached searches (mated, non-mated) of the same split, masked."""
    out = []
    for kind, mask in zip((f"mated{every}", "nonmated"), keep, strict=True):
        path = DATA / f"openset_{tag}_{size}_{kind}.npz"
        if not path.exists():
            raise SystemExit(f"{path}: run bench/lfw_openset.py --tag {tag} first")
        with np.load(path) as z:
            out.append({k: z[k][mask] for k in z.files})
    return tuple(out)


def embed_fallback(models: Path, paths: list[Path]) -> F32:
    """Embed the centre face of gallery photos the gates refused (an operator would retry)."""
    from plugins.recognition.onnx_face.geometry import five_points_from_68

    pipe = _pipeline(models)
    rows = []
    for path in paths:
        image = np.asarray(cv2.imread(str(path)), np.uint8)
        h, w = image.shape[:2]
        boxes = pipe.detect_boxes(image)
        centre = np.array([w / 2, h / 2])
        box = (min(boxes, key=lambda b: float(np.linalg.norm((b[0][:2] + b[0][2:]) / 2
                                                              - centre)))[0]
               if boxes else np.array([w * .25, h * .25, w * .75, h * .75], np.float32))
        five = five_points_from_68(pipe.landmarks68(image, box))
        rows.append(pipe.embed_aligned([pipe.align(image, five)])[0])
    return np.stack(rows).astype(np.float32)


if __name__ == "__main__":
    main()
