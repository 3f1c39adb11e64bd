"""The app's ID-number protector, built once from the configured data key."""

from __future__ import annotations

from flask import Flask, current_app

from projectunion.realname import IdProtector


def init_app(app: Flask) -> None:
    app.extensions["id_protector"] = IdProtector(app.config["DATA_KEY"])


def protector() -> IdProtector:
    return current_app.extensions["id_protector"]
