"""FaceIndex: cosine search over a normalised matrix, updated incrementally."""

from __future__ import annotations

import numpy as np
import pytest

from hub.recognition.index import FaceIndex


def _vec(seed: int, dim: int = 8) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(dim).astype(np.float32)


def test_search_returns_best_subject_first_with_cosine_scores():
    """The query's own vector scores 1.0 and ranks first; scores are cosine similarities."""
    index = FaceIndex(dim=8, capacity=2)
    for i in range(10):
        index.add(f"f{i}", f"s{i}", _vec(i) * (i + 1))  # scale must not matter
    hits = index.search(_vec(3), top_k=3)
    assert hits[0][0] == "s3"
    assert hits[0][1] == pytest.approx(1.0, abs=1e-5)
    assert len(hits) == 3 and hits[1][1] <= hits[0][1]


def test_subjects_with_many_faces_are_listed_once_with_their_best_score():
    """Several faces of one subject collapse to one candidate holding the best score."""
    index = FaceIndex(dim=8)
    index.add("a1", "alice", _vec(1))
    index.add("a2", "alice", _vec(1) + np.float32(0.01))
    index.add("b1", "bob", _vec(2))
    hits = index.search(_vec(1), top_k=2)
    assert [s for s, _ in hits] == ["alice", "bob"]


def test_remove_moves_the_last_row_and_keeps_search_right():
    """Removing a face (swap with last) leaves every other face findable."""
    index = FaceIndex(dim=8)
    for i in range(5):
        index.add(f"f{i}", f"s{i}", _vec(i))
    assert index.remove("f1")
    assert not index.remove("f1")
    assert len(index) == 4 and "f1" not in index
    for i in (0, 2, 3, 4):
        assert index.search(_vec(i), 1)[0][0] == f"s{i}"
    assert index.remove_subject("s4") == ["f4"]
    assert index.subjects() == {"s0", "s2", "s3"}


def test_bad_vectors_are_refused():
    """Wrong dimension or a zero vector raise instead of poisoning the matrix."""
    index = FaceIndex(dim=8)
    with pytest.raises(ValueError, match="expects 8"):
        index.add("x", "s", np.ones(4, np.float32))
    with pytest.raises(ValueError, match="zero"):
        index.add("x", "s", np.zeros(8, np.float32))
    assert index.search(_vec(0)) == []


def test_add_many_matches_adding_one_by_one():
    """The bulk path gives the same search results as single adds, duplicates replaced."""
    vecs = np.stack([_vec(i) for i in range(6)])
    bulk, single = FaceIndex(dim=8, capacity=1), FaceIndex(dim=8)
    bulk.add_many([f"f{i}" for i in range(6)], [f"s{i}" for i in range(6)], vecs)
    bulk.add_many(["f0"], ["moved"], vecs[:1])
    for i in range(6):
        single.add(f"f{i}", f"s{i}", vecs[i])
    single.add("f0", "moved", vecs[0])
    assert len(bulk) == len(single) == 6
    for i in range(6):
        assert bulk.search(_vec(i), 2) == single.search(_vec(i), 2)


def _face_like(n: int, dim: int = 64, latent: int = 12, seed: int = 0) -> np.ndarray:
    """Vectors near a low-dimensional subspace, as face embeddings are."""
    rng = np.random.default_rng(seed)
    mixing = rng.standard_normal((latent, dim))
    data = rng.standard_normal((n, latent)) @ mixing + 0.3 * rng.standard_normal((n, dim))
    return data.astype(np.float32)


def test_large_galleries_use_the_coarse_stage_and_find_the_same_best_match():
    """Past coarse_from faces the two-stage search returns the exact search's best match."""
    gallery = _face_like(3000)
    ids = [f"f{i}" for i in range(3000)]
    exact = FaceIndex(dim=64, coarse_from=10**9)
    staged = FaceIndex(dim=64, coarse_from=1000, coarse_candidates=64)
    exact.add_many(ids, ids, gallery)
    staged.add_many(ids[:1500], ids[:1500], gallery[:1500])
    for i in range(1500, 3000):  # one by one past the refit at 2x
        staged.add(ids[i], ids[i], gallery[i])
    assert staged._coarse is not None and staged._coarse.fitted_on >= 2000
    rng = np.random.default_rng(1)
    probes = gallery[:300] + 0.5 * rng.standard_normal((300, 64)).astype(np.float32) * \
        np.linalg.norm(gallery[:300], axis=1, keepdims=True) / 8
    same = sum(exact.search(p, 1)[0][0] == staged.search(p, 1)[0][0] for p in probes)
    assert same >= 297


def test_coarse_stage_follows_removals():
    """Removing faces (swap with last) keeps coarse rows in step with the matrix."""
    gallery = _face_like(1200, seed=3)
    ids = [f"f{i}" for i in range(1200)]
    index = FaceIndex(dim=64, coarse_from=500, coarse_candidates=64)
    index.add_many(ids, ids, gallery)
    for i in range(0, 1200, 3):
        index.remove(f"f{i}")
    for i in range(1, 1200, 3):
        subject, score = index.search(gallery[i], 1)[0]
        assert subject == f"f{i}" and score == pytest.approx(1.0, abs=1e-4)
