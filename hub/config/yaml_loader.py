"""YAML that remembers where every value came from: !secret, !include, !env, no duplicate keys."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from .located import Located, YamlError, YDict, YList, location_of

__all__ = ["Located", "YDict", "YList", "YamlError", "load_yaml", "location_of"]


class _Loader(yaml.SafeLoader):
    """SafeLoader building YDict/YList with locations; resolves our tags."""

    config_dir: Path
    secrets: dict[str, Any] | None
    include_stack: tuple[Path, ...]


def _loc(loader: _Loader, node: yaml.Node) -> Located:
    return (str(loader.name), node.start_mark.line + 1)


def _mapping(loader: _Loader, node: yaml.MappingNode) -> YDict:
    result = YDict()
    result.loc = _loc(loader, node)
    result.key_locs = {}
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str | int | float | bool) or isinstance(key, bool):
            key = str(key)
        key = str(key)
        where = _loc(loader, key_node)
        if key in result:
            first = result.key_locs[key][1]
            raise YamlError(f"{where[0]}:{where[1]}: duplicate key '{key}' (first at line {first})")
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_locs[key] = where
    return result


def _sequence(loader: _Loader, node: yaml.SequenceNode) -> YList:
    result = YList(loader.construct_object(child, deep=True) for child in node.value)
    result.loc = _loc(loader, node)
    result.item_locs = [_loc(loader, child) for child in node.value]
    return result


def _secret(loader: _Loader, node: yaml.ScalarNode) -> Any:
    name = str(loader.construct_scalar(node))
    where = _loc(loader, node)
    if loader.secrets is None:
        path = loader.config_dir / "secrets.yaml"
        if not path.exists():
            raise YamlError(
                f"{where[0]}:{where[1]}: !secret {name}: no secrets.yaml in {loader.config_dir}"
            )
        loaded = _load_file(path, None, loader.include_stack)
        loader.secrets = dict(loaded) if isinstance(loaded, dict) else {}
    if name not in loader.secrets:
        raise YamlError(f"{where[0]}:{where[1]}: !secret {name}: not in secrets.yaml")
    return loader.secrets[name]


def _env(loader: _Loader, node: yaml.ScalarNode) -> Any:
    parts = str(loader.construct_scalar(node)).split(maxsplit=1)
    where = _loc(loader, node)
    if not parts:
        raise YamlError(f"{where[0]}:{where[1]}: !env needs a variable name")
    value = os.environ.get(parts[0])
    if value is None:
        if len(parts) == 2:
            return parts[1]
        raise YamlError(f"{where[0]}:{where[1]}: !env {parts[0]}: variable not set")
    return value


def _include(loader: _Loader, node: yaml.ScalarNode) -> Any:
    name = str(loader.construct_scalar(node))
    where = _loc(loader, node)
    path = (loader.config_dir / name).resolve()
    if path in loader.include_stack:
        raise YamlError(f"{where[0]}:{where[1]}: !include {name}: includes itself")
    if not path.exists():
        raise YamlError(f"{where[0]}:{where[1]}: !include {name}: no such file")
    return _load_file(path, loader.secrets, loader.include_stack)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _sequence)
_Loader.add_constructor("!secret", _secret)
_Loader.add_constructor("!env", _env)
_Loader.add_constructor("!env_var", _env)
_Loader.add_constructor("!include", _include)


def _load_file(path: Path, secrets: dict[str, Any] | None, stack: tuple[Path, ...]) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise YamlError(f"{path}:0: cannot read: {exc.strerror}") from None
    loader = _Loader(text)
    loader.name = str(path)
    loader.config_dir = path.parent
    loader.secrets = secrets
    loader.include_stack = (*stack, path.resolve())
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark else 0
        raise YamlError(f"{path}:{line}: {exc.problem or exc}") from None
    finally:
        loader.dispose()


def load_yaml(path: str | Path) -> Any:
    """Load a YAML file; raise YamlError naming file:line on any problem."""
    return _load_file(Path(path), None, ())
