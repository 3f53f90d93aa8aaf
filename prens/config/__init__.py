"""Configuration: one TOML file per program (secrets never in it), checked whole at start-up:
the settings (model), how a TOML table is read (reader), and the reader of each section (load)."""

from prens.config.load import load_settings
from prens.config.model import (
    COLUMN_KEYS,
    FIELDS,
    NOTIFY_EVENTS,
    OPTIONAL_COLUMNS,
    PLACEHOLDERS,
    PROVIDERS,
    REQUIRED_FIELDS,
    VERIFIER_ROLES,
    Notifications,
    Public,
    Responses,
    Settings,
    VerifierColumn,
)
from prens.errors import ConfigError

__all__ = [
    "COLUMN_KEYS",
    "FIELDS",
    "NOTIFY_EVENTS",
    "OPTIONAL_COLUMNS",
    "PLACEHOLDERS",
    "PROVIDERS",
    "REQUIRED_FIELDS",
    "VERIFIER_ROLES",
    "ConfigError",
    "Notifications",
    "Public",
    "Responses",
    "Settings",
    "VerifierColumn",
    "load_settings",
]
