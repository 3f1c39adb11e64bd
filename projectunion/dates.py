"""Calendar dates in the city's time zone; record timestamps stay UTC."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

DEFAULT_TZ = "Asia/Shanghai"


def city_tz() -> ZoneInfo:
    name = current_app.config.get("CITY_TIMEZONE", DEFAULT_TZ) if has_app_context() else DEFAULT_TZ
    return ZoneInfo(name)


def today() -> dt.date:
    """Today's date in the city (not the server's UTC date)."""
    return dt.datetime.now(city_tz()).date()
