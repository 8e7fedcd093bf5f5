"""hub.device_profiles: where a device entry's register map is read from, and what it says."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationInfo, model_validator

from hub.device_profiles import DeviceProfile, ProfileError, ProfileFields, ProfileLibrary


class _Board(DeviceProfile):
    relays: int


def _library(tmp_path: Path) -> ProfileLibrary[_Board]:
    builtin = tmp_path / "builtin"
    builtin.mkdir()
    (builtin / "b8.yaml").write_text("model: b8\nname: Eight relays\nrelays: 8\n")
    (builtin / "wrong.yaml").write_text("model: b8\nname: Misnamed\nrelays: 8\n")
    return ProfileLibrary(_Board, builtin)


def test_site_folder_first_then_built_ins(tmp_path: Path) -> None:
    """profile_dir's <model>.yaml wins; a model it lacks falls back to the built-in one."""
    library = _library(tmp_path)
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "b8.yaml").write_text("model: b8\nname: Site copy\nrelays: 4\n")
    entry = ProfileFields(model="b8", profile_dir="site")
    assert library.load_entry_blocking(tmp_path, entry).relays == 4
    (tmp_path / "site" / "b8.yaml").unlink()
    assert library.load_entry_blocking(tmp_path, entry).relays == 8
    assert library.known_models() == ["b8", "wrong"]


def test_a_named_file_is_read_relative_to_the_site(tmp_path: Path) -> None:
    """`profile:` names one file; its model needs not match its file name."""
    library = _library(tmp_path)
    (tmp_path / "mine.yaml").write_text("model: x1\nname: Mine\nrelays: 2\n")
    assert library.load_entry_blocking(tmp_path, ProfileFields(profile="mine.yaml")).model == "x1"


def test_errors_name_the_file_and_the_field(tmp_path: Path) -> None:
    """Unknown model, a model that does not match its file, bad YAML, a bad field."""
    library = _library(tmp_path)
    with pytest.raises(ProfileError, match=r"no profile for model 'b9' \(known: b8, wrong\)"):
        library.load_blocking("b9")
    with pytest.raises(ProfileError, match=r"wrong.yaml: model: 'b8' does not match"):
        library.load_blocking("wrong")
    bad = tmp_path / "bad.yaml"
    bad.write_text("model: [\n")
    with pytest.raises(ProfileError, match=r"bad.yaml: invalid YAML"):
        library.load_file_blocking(bad)
    bad.write_text("model: b1\nname: B\nrelays: many\n")
    with pytest.raises(ProfileError, match=r"bad.yaml: relays: Input should be a valid integer"):
        library.load_file_blocking(bad)
    with pytest.raises(ProfileError, match=r"missing.yaml: no such profile file"):
        library.load_file_blocking(tmp_path / "missing.yaml")


def test_check_entry_in_a_config_model(tmp_path: Path) -> None:
    """Without a site folder only built-in names are checked; with one the file is loaded."""
    library = _library(tmp_path)

    class _Entry(ProfileFields):
        @model_validator(mode="after")
        def _map(self, info: ValidationInfo) -> _Entry:
            library.check_entry(self, info.context)
            return self

    with pytest.raises(ValueError, match=r"give `model` .* or `profile`"):
        _Entry.model_validate({"model": "b8", "profile": "x.yaml"})
    with pytest.raises(ValueError, match="unknown model 'b9'; profiles: b8, wrong"):
        _Entry.model_validate({"model": "b9"})
    _Entry.model_validate({"model": "b9", "profile_dir": "site"})  # looked up at load
    with pytest.raises(ValueError, match="no profile for model 'b9'"):
        _Entry.model_validate({"model": "b9", "profile_dir": "site"},
                              context={"config_dir": tmp_path})
    assert library.check_entry(ProfileFields(model="b8"), {"config_dir": tmp_path}) is not None
