"""LFW label errors that would count one person as two in the open-set protocol (issue 16).

LFW's own errata (the "Errata" section of the LFW site, vis-www.cs.umass.edu/lfw, as kept in
github:umass-vis-lfw/umass-vis-lfw.github.io, index.html) list photos filed under the wrong
name and people filed under two names. Left in, a search of such a photo that matches its
real person is counted as a false alarm, and the few highest "impostor" pairs set the far
end of the false-match curve (1e-6 rests on ~20 pairs): of the ten highest of session 7
(~130 px tracked), eight were one person. Two of those eight are not in LFW's list and were
looked at here (marked below). Real look-alikes stay (the Olsen twins, Serena and Venus
Williams, Tamara and Tia Mowry): a watch list meets those too. The listed photos are dropped
from the searches and the gallery; the split, and the embedding caches, keep their order.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt

#: One person under two LFW names: every photo of the second name is dropped.
SAME_PERSON: tuple[tuple[str, str], ...] = (
    ("Wang_Yingfan", "Yingfan_Wang"),
    ("Wang_Nan", "Nan_Wang"),
    ("Talisa_Soto", "Talisa_Bratt"),
    ("Jon_Gruden", "John_Gruden"),
    ("Choi_Sung-hong", "Sung_Hong_Choi"),
    ("Morgan_Hentzen", "Claire_Hentzen"),
    ("Sepp_Blatter", "Joseph_Blatter"),  # not in LFW's list: Joseph "Sepp" Blatter
    ("Hassan_Wirajuda", "Hasan_Wirayuda"),  # not in LFW's list: two spellings of one name
)
#: Photos that show someone else than their name (LFW's errata): dropped.
MISFILED: tuple[str, ...] = (
    "Recep_Tayyip_Erdogan_0004",  # Abdullah Gul
    "Anja_Paerson_0001",  # Janica Kostelic
    "Janica_Kostelic_0001",  # Anja Paerson
    "Bart_Hendricks_0001",  # Ricky Ray's photo again
    "Carlos_Beltran_0001",  # Raul Ibanez's photo again
    "Emmy_Rossum_0001",  # Eva Amurri's photo again
    "Michael_Schumacher_0008",  # Rubens Barrichello
    "Mahmoud_Abbas_0012",  # Hamad Bin Isa al-Khalifa
    "Jim_OBrien_0001",  # another Jim O'Brien
    "Elisabeth_Schumacher_0001",  # Elizabeth Schumacher, another person
    "Andrew_Gilligan_0001",  # Andrew Caldecott
    "Nora_Bendijo_0002",  # Flor Montulo
    "Flor_Montulo_0002",  # Nora Bendijo
    "Shinya_Taniguchi_0001",  # Takahiro Mori
    "Martha_Bowen_0002",  # Gabrielle Rose
    "Carlos_Ruckauf_0001",  # Eduardo Duhalde
    "Debra_Messing_0002",  # someone not in LFW
)


def dropped(path: Path) -> bool:
    """True for a photo the protocol leaves out (a misfiled photo or a person's second name)."""
    return path.stem in MISFILED or any(path.parent.name == second for _, second in SAME_PERSON)


def keep_mask(paths: list[Path]) -> npt.NDArray[np.bool_]:
    """Which of these photos the protocol keeps."""
    return np.array([not dropped(p) for p in paths], dtype=bool)
