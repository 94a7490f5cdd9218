"""Configuration: the one place a TOML config is read and validated.

``load_config(path, overrides)`` returns a frozen ``Config``; everything else receives parts
of it (or objects built from it) and never reads files or environment variables itself.
"""

from framework.config.loader import (
    ConfigError,
    config_to_dict,
    load_config,
    parse_config,
    read_toml,
)
from framework.config.schema import Config, CostModel

__all__ = [
    "Config",
    "ConfigError",
    "CostModel",
    "config_to_dict",
    "load_config",
    "parse_config",
    "read_toml",
]
