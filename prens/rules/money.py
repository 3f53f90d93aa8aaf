"""Money as the Dinas writes it (pure)."""

from __future__ import annotations


def rupiah(amount: int) -> str:
    """Rp 16.800: rupiah with dots between thousands."""
    return "Rp " + f"{amount:,}".replace(",", ".")
