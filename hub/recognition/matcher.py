"""From a recognizer's candidates to a decision: allow, watch, or unknown; plus cooldowns."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from .recognizer import RecognizedFace
from .store import PersonInfo
from .thresholds import SizedThresholds

__all__ = ["Cooldown", "Decision", "Matcher", "UnknownTracker"]


@dataclass(frozen=True, slots=True)
class Decision:
    """What a face is: an allow-list person, a watch-list person, or unknown."""

    kind: Literal["allow", "watch", "unknown"]
    person: PersonInfo | None
    score: float | None


class Matcher:
    """Applies per-list (and per-category) thresholds to a face's candidates.

    Per-list thresholds follow the lists' sizes (hub/recognition/thresholds.py) unless fixed.

    The best candidate wins if it passes its own list's threshold. Otherwise a watch-list
    candidate that passes the (lower) watch threshold still counts: missing a wanted person
    costs more than a guard checking a look-alike.
    """

    def __init__(self, thresholds: SizedThresholds | Mapping[str, float],
                 category_thresholds: dict[str, float] | None = None) -> None:
        self.thresholds = (thresholds if isinstance(thresholds, SizedThresholds)
                           else SizedThresholds(thresholds, {}, None, {}))
        self.category_thresholds = category_thresholds or {}

    def threshold(self, person: PersonInfo) -> float:
        """Return the threshold a match with this person must reach."""
        if person.list_name == "watch" and person.group in self.category_thresholds:
            return self.category_thresholds[person.group]
        return self.thresholds[person.list_name]

    def decide(self, face: RecognizedFace, people: Mapping[str, PersonInfo]) -> Decision:
        """Return the decision for one recognized face."""
        ranked = [(people.get(c.subject), c.score) for c in face.candidates]
        known = [(p, s) for p, s in ranked if p is not None]
        best = max((s for _, s in ranked), default=None)
        if not known:
            return Decision("unknown", None, best)
        top, score = known[0]
        if score >= self.threshold(top):
            return Decision("watch" if top.list_name == "watch" else "allow", top, score)
        for person, s in known[1:]:
            if person.list_name == "watch" and s >= self.threshold(person):
                return Decision("watch", person, s)
        return Decision("unknown", None, best)


class Cooldown:
    """Merges repeated sightings: one report per key per `seconds`."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._last: dict[tuple[str, str], float] = {}

    def hit(self, camera: str, key: str, now: float) -> bool:
        """Return True when this sighting should be reported (and start a new window)."""
        last = self._last.get((camera, key))
        if last is not None and now - last < self.seconds:
            self._last[(camera, key)] = now  # still in view: extend the window
            return False
        self._last[(camera, key)] = now
        if len(self._last) > 10_000:
            self._forget(now)
        return True

    def _forget(self, now: float) -> None:
        self._last = {k: t for k, t in self._last.items() if now - t < self.seconds}


class UnknownTracker:
    """Merges repeated sightings of the same unknown face on a camera by embedding."""

    def __init__(self, seconds: float, same_threshold: float = 0.45) -> None:
        self.seconds = seconds
        self.same_threshold = same_threshold
        self._recent: dict[str, list[tuple[float, npt.NDArray[np.float32] | None]]] = {}

    def hit(self, camera: str, embedding: npt.NDArray[np.float32] | None, now: float) -> bool:
        """Return True for a new unknown face; False for one seen within the window."""
        recent = [(t, e) for t, e in self._recent.get(camera, []) if now - t < self.seconds]
        for i, (_, seen) in enumerate(recent):
            if embedding is None or seen is None or float(seen @ embedding) >= self.same_threshold:
                recent[i] = (now, seen if embedding is None else embedding)
                self._recent[camera] = recent
                return False
        recent.append((now, embedding))
        self._recent[camera] = recent[-50:]
        return True
