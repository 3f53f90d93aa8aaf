"""The Google service-account key, checked without the network: one sentence saying what is
wrong with it and how to fix it, instead of a library's traceback."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping

FIX = (
    "create a key for the service account in Google Cloud (IAM > Service accounts > Keys > "
    "Add key > JSON) and point [sheet] credentials_file or GOOGLE_APPLICATION_CREDENTIALS at it"
)
NEEDED = ("client_email", "private_key", "token_uri")


def credentials_path(credentials_file: str, env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    return credentials_file or env.get("GOOGLE_APPLICATION_CREDENTIALS", "")


def credentials_problem(path: str) -> str | None:
    """What is wrong with the key file at `path` (empty: none configured), or None."""
    if not path:
        return f"no Google credentials are configured: {FIX}"
    try:
        with open(path, encoding="utf-8") as fh:
            key = json.load(fh)
    except FileNotFoundError:
        return f"the Google credentials file {path} does not exist: {FIX}"
    except IsADirectoryError:
        return f"the Google credentials file {path} is a folder, not a file: {FIX}"
    except PermissionError:
        return f"the Google credentials file {path} cannot be read by this user: fix its owner"
    except (OSError, UnicodeDecodeError, ValueError):
        return f"the Google credentials file {path} is not a JSON key: {FIX}"
    if not isinstance(key, dict) or key.get("type") != "service_account":
        kind = key.get("type") if isinstance(key, dict) else None
        what = f'a key of type "{kind}"' if kind else "not a key"
        return f"the Google credentials file {path} is {what}, not a service account's: {FIX}"
    missing = [name for name in NEEDED if not key.get(name)]
    if missing:
        return (
            f"the Google credentials file {path} lacks {', '.join(missing)}: download the "
            "service account's JSON key again"
        )
    return None
