"""A deployment: one program (the usual configuration file), or several districts' programs in
one service, listed in a deployment file:

    [programs]                  # name (in URLs) = that program's configuration file
    balangan = "balangan.toml"
    bangli = "bangli.toml"

Each program keeps its own database (its `[storage]`), spreadsheet, templates and webhook
secret, so one district's data is never in another's database, and an officer of one program
is unknown to the others.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from prens.config import Settings, load_settings
from prens.errors import ConfigError
from prens.intake.signing import load_secret

NAME = re.compile(r"[a-z][a-z0-9-]{0,30}")


@dataclass(frozen=True)
class Deployment:
    source: Path
    programs: dict[str, Settings]  # name -> settings; one entry named "" for a single program

    @property
    def single(self) -> bool:
        return list(self.programs) == [""]

    def program(self, name: str | None) -> Settings:
        """One program's settings: `name` among several; the only one (name None or "")."""
        if self.single and not name:
            return self.programs[""]
        if not name:
            raise ConfigError(self.source, "--program", None, "one of " + ", ".join(self.programs))
        if name not in self.programs:
            raise ConfigError(self.source, "--program", name, "one of " + ", ".join(self.programs))
        return self.programs[name]


def load_deployment(
    path: str | os.PathLike[str], env: Mapping[str, str] | None = None
) -> Deployment:
    """Read a program's configuration, or a deployment file naming several."""
    env = os.environ if env is None else env
    source = Path(path).resolve()
    try:
        raw = tomllib.loads(source.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return Deployment(source, {"": load_settings(source, env)})  # it reports the error
    if "programs" not in raw:
        return Deployment(source, {"": load_settings(source, env)})
    extra = sorted(set(raw) - {"programs"})
    if extra:
        raise ConfigError(source, extra[0], None, "only a [programs] table in a deployment file")
    listed = raw["programs"]
    if not isinstance(listed, dict) or not listed:
        raise ConfigError(source, "programs", listed, "a table of name = configuration file")
    programs: dict[str, Settings] = {}
    for name, file in listed.items():
        if not NAME.fullmatch(name):
            raise ConfigError(source, f"programs.{name}", file, "a name of a-z, 0-9 and -")
        if not isinstance(file, str):
            raise ConfigError(source, f"programs.{name}", file, "a configuration file's path")
        # Environment overrides of one program's storage or sheet would apply to all: refused.
        programs[name] = load_settings(source.parent / file, {})
    _distinct(source, programs, "database_url", "its own [storage] (data_dir or url)")
    _distinct(source, programs, "id_prefix", "its own [program] id_prefix")
    return Deployment(source, programs)


def _distinct(source: Path, programs: dict[str, Settings], attribute: str, expected: str) -> None:
    seen: dict[str, str] = {}
    for name, settings in programs.items():
        value = str(getattr(settings, attribute))
        if value in seen:
            raise ConfigError(source, f"programs.{name}", value, f"{expected}, not {seen[value]}'s")
        seen[value] = name


def program_secret(
    deployment: Deployment, name: str, env: Mapping[str, str], allow_dev: bool
) -> tuple[bytes, bool]:
    """A program's webhook secret: PRENS_WEBHOOK_SECRET(_FILE) for a single program;
    PRENS_WEBHOOK_SECRET_<NAME>(_FILE) for each of several (NAME in capitals, - as _)."""
    settings = deployment.program(name)
    if deployment.single:
        return load_secret(env, settings.data_dir, allow_dev)
    suffix = "_" + name.upper().replace("-", "_")
    scoped = {
        key: env[key + suffix]
        for key in ("PRENS_WEBHOOK_SECRET", "PRENS_WEBHOOK_SECRET_FILE")
        if env.get(key + suffix)
    }
    try:
        return load_secret(scoped, settings.data_dir, allow_dev)
    except ConfigError as exc:
        raise ConfigError(
            "environment",
            "PRENS_WEBHOOK_SECRET" + suffix,
            None,
            f"program {name}'s webhook secret (or PRENS_WEBHOOK_SECRET_FILE{suffix})",
        ) from exc
