"""Who can open the spreadsheet: personal data never goes to one shared by link (pure)."""

from __future__ import annotations

from typing import Any

from sheets_bridge.base import SheetError

ROLES = {
    "reader": "melihat",
    "commenter": "mengomentari",
    "writer": "mengedit",
    "fileOrganizer": "mengatur",
    "organizer": "mengatur",
    "owner": "memiliki",
}


class SharedPublicly(SheetError):
    """The spreadsheet is shared with anyone, or a whole domain, by link."""


def public_permissions(permissions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The permissions that open the sheet to people who were not named."""
    return [p for p in permissions if p.get("type") in ("anyone", "domain")]


def describe(permission: dict[str, Any]) -> str:
    """A permission in words a Dinas operator can act on (Bahasa Indonesia)."""
    role = ROLES.get(str(permission.get("role")), str(permission.get("role")))
    if permission.get("type") == "anyone":
        who = "siapa saja yang memiliki link"
    else:
        who = f"semua orang di domain {permission.get('domain', '?')}"
    return (
        f"spreadsheet dapat di{role} oleh {who} (izin {permission.get('id')}). Hapus di "
        "Google Sheets: Bagikan > Akses umum > Dibatasi, lalu bagikan hanya ke akun bernama."
    )
