"""Device profiles: a controller model's register map as a YAML file, validated by a model.

A plugin ships its built-in profiles in one folder (`<model>.yaml` each) and describes a file
with a pydantic model derived from `DeviceProfile`. A site adds models without code:
`profile_dir:` (a folder of `<model>.yaml`, looked in first) or `profile:` (one file).
Relative paths start at the site configuration's folder. The modbus_barrier and
modbus_locker plugins use it; a vendor plugin may too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

__all__ = ["DeviceProfile", "ProfileError", "ProfileFields", "ProfileLibrary"]


class ProfileError(ValueError):
    """A profile file is missing or wrong; the message names the file and field."""


class DeviceProfile(BaseModel):
    """The fields every profile has: the model name (= the file name) and a display name."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    model: str
    name: str


class ProfileFields(BaseModel):
    """The config fields that pick a device entry's profile: `model` or `profile`."""

    model: str | None = None
    profile: str | None = None
    profile_dir: str | None = None


P = TypeVar("P", bound=DeviceProfile)


class ProfileLibrary(Generic[P]):
    """One plugin's profiles: its built-in folder and the model a file must match."""

    def __init__(self, profile_model: type[P], builtin_dir: Path) -> None:
        self.profile_model = profile_model
        self.builtin_dir = builtin_dir
        # Listed once, at import of the plugin, never later on the event loop.
        self._known = sorted(path.stem for path in builtin_dir.glob("*.yaml"))

    def known_models(self) -> list[str]:
        """Return the model names shipped in the built-in folder."""
        return list(self._known)

    def load_file_blocking(self, path: Path) -> P:
        """Read and validate one profile file; ProfileError names the file and the field."""
        import yaml  # PyYAML only when a profile is read

        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ProfileError(f"{path}: no such profile file") from None
        except OSError as err:
            raise ProfileError(f"{path}: cannot read: {err.strerror}") from err
        except yaml.YAMLError as err:
            raise ProfileError(f"{path}: invalid YAML: {err}") from err
        try:
            return self.profile_model.model_validate(data)
        except ValidationError as err:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or '(top)'}: {e['msg']}"
                for e in err.errors()
            )
            raise ProfileError(f"{path}: {problems}") from err

    def load_blocking(self, model: str, directory: Path | None = None) -> P:
        """Read <directory>/<model>.yaml (built-ins by default); its `model` must match."""
        folder = self.builtin_dir if directory is None else directory
        path = folder / f"{model}.yaml"
        if folder == self.builtin_dir and not path.is_file():
            known = ", ".join(self._known) or "none"
            raise ProfileError(f"no profile for model {model!r} (known: {known})")
        profile = self.load_file_blocking(path)
        if profile.model != model:
            raise ProfileError(f"{path}: model: {profile.model!r} does not match the file name")
        return profile

    def resolve(self, config_dir: Path, entry: ProfileFields) -> tuple[str, Path]:
        """Where an entry's register map is: (model name, file). Built-ins are the fallback.

        Checks nothing on disk but whether `profile_dir` holds the model's file.
        """
        if entry.profile is not None:
            path = Path(entry.profile).expanduser()
            return path.stem, path if path.is_absolute() else config_dir / path
        assert entry.model is not None  # check_entry requires one of them
        if entry.profile_dir is not None:
            folder = Path(entry.profile_dir).expanduser()
            candidate = (folder if folder.is_absolute() else config_dir / folder) / (
                f"{entry.model}.yaml")
            if candidate.is_file():
                return entry.model, candidate
        return entry.model, self.builtin_dir / f"{entry.model}.yaml"

    def load_entry_blocking(self, config_dir: Path, entry: ProfileFields) -> P:
        """The register map of one device entry (file I/O: run it in an executor)."""
        name, path = self.resolve(config_dir, entry)
        if entry.profile is not None:  # a named file: its own name is its model
            return self.load_file_blocking(path)
        return self.load_blocking(name, path.parent)

    def check_entry(self, entry: ProfileFields, context: object) -> P | None:
        """Validate an entry's profile fields (ValueError); load the map when validating a site.

        `context` is pydantic's validation context: with a `config_dir` (check-config, hub
        start) the file is read and returned; otherwise only a built-in model name is checked.
        """
        if (entry.model is None) == (entry.profile is None):
            raise ValueError("give `model` (a profile name) or `profile` (a profile file)")
        config_dir = context.get("config_dir") if isinstance(context, dict) else None
        if isinstance(config_dir, Path):  # validating a site file: read the map it names
            try:
                return self.load_entry_blocking(config_dir, entry)
            except ProfileError as err:
                raise ValueError(str(err)) from None
        if entry.profile is None and entry.profile_dir is None and (
                entry.model not in self._known):
            raise ValueError(
                f"unknown model {entry.model!r}; profiles: {', '.join(self._known)}"
            )
        return None
