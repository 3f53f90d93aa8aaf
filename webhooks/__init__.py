"""HTTP: the app factory and its blueprints (form webhook, health)."""

from webhooks.app import create_app

__all__ = ["create_app"]
