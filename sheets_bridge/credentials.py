"""The Google service-account key, checked without the network: one sentence saying what is
wrong with it and how to fix it, instead of a library's traceback."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping

FIX = (
    "buat kunci untuk akun layanan di Google Cloud (IAM > Service accounts > Keys > Add key > "
    "JSON) lalu arahkan [sheet] credentials_file atau GOOGLE_APPLICATION_CREDENTIALS ke sana"
)
NEEDED = ("client_email", "private_key", "token_uri")


def credentials_path(credentials_file: str, env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    return credentials_file or env.get("GOOGLE_APPLICATION_CREDENTIALS", "")


def credentials_problem(path: str) -> str | None:
    """What is wrong with the key file at `path` (empty: none configured), or None."""
    if not path:
        return f"kredensial Google belum diatur: {FIX}"
    try:
        with open(path, encoding="utf-8") as fh:
            key = json.load(fh)
    except FileNotFoundError:
        return f"berkas kredensial Google {path} tidak ada: {FIX}"
    except IsADirectoryError:
        return f"berkas kredensial Google {path} adalah folder, bukan berkas: {FIX}"
    except PermissionError:
        return (
            f"berkas kredensial Google {path} tidak dapat dibaca pengguna ini: perbaiki pemiliknya"
        )
    except (OSError, UnicodeDecodeError, ValueError):
        return f"berkas kredensial Google {path} bukan kunci JSON: {FIX}"
    if not isinstance(key, dict) or key.get("type") != "service_account":
        kind = key.get("type") if isinstance(key, dict) else None
        what = f'kunci berjenis "{kind}"' if kind else "bukan kunci"
        return f"berkas kredensial Google {path} adalah {what}, bukan kunci akun layanan: {FIX}"
    missing = [name for name in NEEDED if not key.get(name)]
    if missing:
        return (
            f"berkas kredensial Google {path} tidak memuat {', '.join(missing)}: unduh lagi "
            "kunci JSON akun layanannya"
        )
    return None
