"""In-memory face index: a normalised embedding matrix searched by cosine similarity."""

from __future__ import annotations

import threading

import numpy as np
import numpy.typing as npt

from .coarse import CoarseStage

__all__ = ["FaceIndex"]

F32 = npt.NDArray[np.float32]


class FaceIndex:
    """Rows of L2-normalised embeddings, each tagged with a face id and a subject.

    Grows by doubling and removes by moving the last row into the hole, so adding or
    removing one face never rebuilds the matrix. Thread-safe: workers search while the
    hub enrols. From `coarse_from` faces on, a search first ranks rows in a learned
    96-dimensional subspace (coarse.py) and scores only the best `coarse_candidates`
    exactly; the subspace is learned again each time the gallery has doubled.
    """

    def __init__(self, dim: int = 512, capacity: int = 1024, coarse_from: int = 50_000,
                 coarse_candidates: int = 512) -> None:
        self.dim = dim
        self.coarse_from = coarse_from
        self.coarse_candidates = coarse_candidates
        self._coarse: CoarseStage | None = None
        self._matrix = np.zeros((capacity, dim), dtype=np.float32)
        self._face_ids: list[str] = []
        self._subjects: list[str] = []
        self._row_of: dict[str, int] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._face_ids)

    def __contains__(self, face_id: object) -> bool:
        return face_id in self._row_of

    def add(self, face_id: str, subject: str, embedding: F32) -> None:
        """Add or replace one face; the vector is normalised here."""
        vec = np.asarray(embedding, dtype=np.float32).reshape(-1)
        if vec.shape[0] != self.dim:
            raise ValueError(f"embedding has {vec.shape[0]} values, index expects {self.dim}")
        norm = float(np.linalg.norm(vec))
        if not np.isfinite(norm) or norm == 0.0:
            raise ValueError("embedding is zero or not finite")
        with self._lock:
            row = self._row_of.get(face_id)
            if row is None:
                row = len(self._face_ids)
                self._grow(row + 1)
                self._face_ids.append(face_id)
                self._subjects.append(subject)
                self._row_of[face_id] = row
            self._subjects[row] = subject
            self._matrix[row] = vec / norm
            if self._coarse is not None:
                self._coarse.set_row(row, self._matrix[row])
            self._maybe_fit()

    def add_many(self, face_ids: list[str], subjects: list[str], embeddings: F32) -> None:
        """Add many new faces at once (startup, bench); existing ids are replaced one by one."""
        vecs = np.asarray(embeddings, dtype=np.float32).reshape(len(face_ids), -1)
        if vecs.shape[1] != self.dim:
            raise ValueError(f"embeddings have {vecs.shape[1]} values, index expects {self.dim}")
        norms = np.linalg.norm(vecs, axis=1, keepdims=True)
        if not np.all(np.isfinite(norms)) or np.any(norms == 0):
            raise ValueError("an embedding is zero or not finite")
        fresh = [i for i, f in enumerate(face_ids) if f not in self._row_of]
        with self._lock:
            start = len(self._face_ids)
            self._grow(start + len(fresh))
            self._matrix[start : start + len(fresh)] = vecs[fresh] / norms[fresh]
            for offset, i in enumerate(fresh):
                self._row_of[face_ids[i]] = start + offset
                self._face_ids.append(face_ids[i])
                self._subjects.append(subjects[i])
            if self._coarse is not None:
                self._coarse.set_rows(start, self._matrix[start : start + len(fresh)])
            self._maybe_fit()
        for i in sorted(set(range(len(face_ids))) - set(fresh)):
            self.add(face_ids[i], subjects[i], vecs[i])

    def remove(self, face_id: str) -> bool:
        """Remove one face; return False if it was not there."""
        with self._lock:
            row = self._row_of.pop(face_id, None)
            if row is None:
                return False
            last = len(self._face_ids) - 1
            if row != last:
                self._matrix[row] = self._matrix[last]
                if self._coarse is not None:
                    self._coarse.move_row(last, row)
                self._face_ids[row] = self._face_ids[last]
                self._subjects[row] = self._subjects[last]
                self._row_of[self._face_ids[row]] = row
            self._face_ids.pop()
            self._subjects.pop()
            return True

    def remove_subject(self, subject: str) -> list[str]:
        """Remove every face of a subject; return their face ids."""
        with self._lock:
            ids = [f for f, s in zip(self._face_ids, self._subjects, strict=True) if s == subject]
        for face_id in ids:
            self.remove(face_id)
        return ids

    def search(self, query: F32, top_k: int = 3) -> list[tuple[str, float]]:
        """Return up to top_k (subject, best cosine score) pairs, best first."""
        q = np.asarray(query, dtype=np.float32).reshape(-1)
        q = q / max(float(np.linalg.norm(q)), 1e-12)
        with self._lock:
            n = len(self._face_ids)
            if n == 0:
                return []
            if self._coarse is not None:
                rows = self._coarse.candidates(n, q, max(self.coarse_candidates, top_k * 8))
                scores = self._matrix[rows] @ q
            else:
                # einsum: single-threaded SIMD, steady on shared cores (threaded BLAS gemv
                # spins and was 10x slower under load, bench/README.md).
                rows, scores = np.arange(n), np.einsum("ij,j->i", self._matrix[:n], q)
            # Several faces per subject: take more rows than top_k, then keep each subject's best.
            want = min(len(rows), top_k * 8)
            order = (np.argpartition(-scores, want - 1)[:want] if want < len(rows)
                     else np.arange(len(rows)))
            order = order[np.argsort(-scores[order])]
            best: dict[str, float] = {}
            for i in order:
                best.setdefault(self._subjects[int(rows[i])], float(scores[i]))
                if len(best) == top_k:
                    break
        return list(best.items())

    def _maybe_fit(self) -> None:
        """Learn the coarse subspace at `coarse_from` faces and again at each doubling."""
        n = len(self._face_ids)
        if n < self.coarse_from:
            return
        if self._coarse is None or n >= 2 * self._coarse.fitted_on:
            coarse = self._coarse or CoarseStage(self.dim, min(96, max(8, self.dim // 4)))
            coarse.fit(self._matrix[:n])
            self._coarse = coarse

    def subjects(self) -> set[str]:
        """Return the distinct subjects present."""
        with self._lock:
            return set(self._subjects)

    def _grow(self, need: int) -> None:
        cap = self._matrix.shape[0]
        if need <= cap:
            return
        bigger = np.zeros((max(need, cap * 2), self.dim), dtype=np.float32)
        bigger[:cap] = self._matrix
        self._matrix = bigger
