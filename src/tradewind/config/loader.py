"""Read ``trading_config.yaml`` plus ``TRADEWIND__SECTION__KEY`` overrides into a valid config."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from tradewind.config.errors import format_validation_error
from tradewind.config.root import TradewindConfig
from tradewind.domain.errors import ConfigError, ConfigProblem
from tradewind.domain.types import TradingMode

CONFIG_ENV = "TRADEWIND_CONFIG"
OVERRIDE_PREFIX = "TRADEWIND__"
DEFAULT_PATH = Path("config") / "trading_config.yaml"


class _StrictLoader(yaml.SafeLoader):
    """A safe YAML loader that refuses duplicate keys instead of keeping the last one."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            line = key_node.start_mark.line + 1
            raise ConfigError(f"line {line}: key {key!r} appears twice; keep one")
        seen[key] = loader.construct_object(value_node)
    return seen


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def default_config_path() -> Path:
    """The default config file: ``$TRADEWIND_CONFIG`` or ``config/trading_config.yaml``."""
    return Path(os.environ.get(CONFIG_ENV, str(DEFAULT_PATH)))


def read_yaml(path: Path) -> dict[str, Any]:
    """Parse ``path`` into a mapping, raising :class:`ConfigError` with the line on bad YAML.

    A file that sets nothing (empty, only comments, or ``{}``) is refused: it would pass as a
    configuration of built-in defaults that the user never chose.
    """
    if not path.exists():
        raise ConfigError(
            f"config file {path} does not exist; copy config/trading_config.yaml or pass --config",
            source=str(path),
        )
    try:
        data = yaml.load(path.read_text(encoding="utf-8-sig"), Loader=_StrictLoader)  # noqa: S506
    except ConfigError as exc:
        raise ConfigError(exc.problems, source=str(path)) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"not valid YAML: {exc}", source=str(path)) from None
    if data is None or data == {}:
        raise ConfigError(
            "the file sets nothing (it is empty or holds only comments), so every setting "
            "would silently be a built-in default; copy config/trading_config.yaml (the "
            "runbook's settings) or write at least the sections you mean to set",
            source=str(path),
        )
    if not isinstance(data, dict):
        raise ConfigError("the top level must be a mapping of sections", source=str(path))
    return data


def override_paths(env: Mapping[str, str]) -> dict[tuple[str, ...], str]:
    """The YAML path each ``TRADEWIND__SECTION__KEY`` variable of ``env`` sets, and its name."""
    out: dict[tuple[str, ...], str] = {}
    for name in sorted(env):
        if name.startswith(OVERRIDE_PREFIX):
            keys = tuple(k.lower() for k in name[len(OVERRIDE_PREFIX) :].split("__") if k)
            if keys:
                out[keys] = name
    return out


def apply_overrides(data: dict[str, Any], env: Mapping[str, str]) -> dict[str, Any]:
    """Apply ``TRADEWIND__SECTION__KEY=value`` variables (values parsed as YAML scalars).

    Raises
    ------
    ConfigError
        A value is not valid YAML (the message names the variable).
    """
    out: dict[str, Any] = dict(data)
    for keys, name in override_paths(env).items():
        node = out
        for key in keys[:-1]:
            child = node.get(key)
            child = dict(child) if isinstance(child, dict) else {}
            node[key] = child
            node = child
        node[keys[-1]] = _override_value(keys, name, env[name])
    return out


def _override_value(keys: tuple[str, ...], name: str, raw: str) -> Any:
    if not raw:
        return raw
    try:
        return yaml.safe_load(raw)
    except yaml.YAMLError:
        problem = ConfigProblem(
            ".".join(keys), f"{raw!r} cannot be read as a value", "quote it or correct it", name
        )
        raise ConfigError(problem, source="the environment") from None


def blame_overrides(
    exc: ConfigError, overrides: Mapping[tuple[str, ...], str], file: str
) -> ConfigError:
    """``exc`` with each problem under an overridden key blamed on its environment variable
    (not on the YAML file, which may not even hold the key)."""
    details = [replace(p, origin=_override_for(p.path, overrides)) for p in exc.details]
    blamed = sum(bool(p.origin) for p in details)
    if not blamed:
        return exc
    source = "the environment" if blamed == len(details) else f"{file} and the environment"
    return ConfigError(details, source=source)


def _override_for(path: str, overrides: Mapping[tuple[str, ...], str]) -> str:
    parts = tuple(path.split("."))
    matches = [keys for keys in overrides if parts[: len(keys)] == keys]
    return overrides[max(matches, key=len)] if matches else ""


def mode_in_file(path: str | Path | None = None) -> TradingMode:
    """``trading.mode`` as the YAML file itself says it, ignoring ``TRADEWIND__`` overrides.

    Live trading needs the file to say live: an environment variable
    (``TRADEWIND__TRADING__MODE=live``) must not count as the file's consent. A file that
    says nothing is simulated (the default); a value that is not a mode raises
    :class:`ConfigError` (as loading the file would).
    """
    file = Path(path) if path is not None else default_config_path()
    if path is None and not file.exists():
        return TradingMode.SIMULATED
    trading = read_yaml(file).get("trading")
    raw = trading.get("mode") if isinstance(trading, dict) else None
    if raw is None:
        return TradingMode.SIMULATED
    try:
        return TradingMode(str(raw))
    except ValueError:
        allowed = ", ".join(m.value for m in TradingMode)
        raise ConfigError(
            f"trading.mode must be one of {allowed}, was {raw!r}", source=str(file)
        ) from None


def validate_config(data: Mapping[str, Any], source: str | None = None) -> TradewindConfig:
    """Validate a mapping into a :class:`TradewindConfig` or raise :class:`ConfigError`."""
    try:
        return TradewindConfig.model_validate(dict(data))
    except ValidationError as err:
        raise ConfigError(format_validation_error(err, TradewindConfig), source=source) from None


def load_config(
    path: str | Path | None = None, *, env: Mapping[str, str] | None = None
) -> TradewindConfig:
    """Load, override from the environment and validate the trading configuration.

    Parameters
    ----------
    path
        YAML file; defaults to :func:`default_config_path`.
    env
        Environment used for ``TRADEWIND__`` overrides; defaults to ``os.environ``.

    Raises
    ------
    ConfigError
        Every problem found; one in a value set from the environment names its variable.
    """
    file = Path(path) if path is not None else default_config_path()
    environment = os.environ if env is None else env
    data = apply_overrides(read_yaml(file), environment)
    try:
        return validate_config(data, source=str(file))
    except ConfigError as exc:
        raise blame_overrides(exc, override_paths(environment), str(file)) from None
