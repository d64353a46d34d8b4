"""Dates, times, money and numbers as an Indonesian reader expects them (Babel, id_ID)."""
from __future__ import annotations

from datetime import date, datetime, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.dates import format_date as _babel_date
from babel.dates import format_datetime as _babel_datetime
from babel import Locale
from babel.numbers import format_decimal, parse_pattern

LOCALE = "id_ID"
_LOCALE = Locale.parse(LOCALE)


@lru_cache(maxsize=32)
def _number_pattern(pattern: str):
    return parse_pattern(pattern)


def decimal_text(value, pattern: str | None = None, *, quantize: bool = True) -> str:
    """``value`` in Indonesian notation by the Babel number ``pattern`` (the locale's own when
    None); the locale and each pattern are parsed once, and each distinct value's text is kept
    (a run page formats the same figures of its tables at every view)."""
    try:
        return _kept_decimal_text(value, repr(value), pattern, quantize)
    except TypeError:  # an unhashable value: formatted, not kept
        return _decimal_text(value, pattern, quantize)


@lru_cache(maxsize=8192)
def _kept_decimal_text(value, _spelled: str, pattern: str | None, quantize: bool) -> str:
    # ``_spelled`` (the repr) is in the key: equal values of other types or spellings (1, 1.0,
    # Decimal("1.00")) are kept apart, so no text depends on which of them came first
    return _decimal_text(value, pattern, quantize)


def _decimal_text(value, pattern: str | None, quantize: bool) -> str:
    return format_decimal(value, format=_number_pattern(pattern) if pattern else None, locale=_LOCALE,
                          decimal_quantization=quantize)


def agency_zone() -> ZoneInfo:
    """The agency's time zone: the working-time calendar's (one zone table, in portal.worktime)."""
    from flask import current_app, has_app_context

    calendar = current_app.extensions.get("worktime") if has_app_context() else None
    return calendar.tz if calendar is not None else ZoneInfo("Asia/Jakarta")


def local(dt: datetime) -> datetime:
    """``dt`` (aware, or naive UTC) in the agency's zone."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(agency_zone())


def format_date(value: date | datetime | str | None) -> str:
    """"21 November 2026"."""
    if not value:
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value)
    if isinstance(value, datetime):
        value = local(value).date()
    return _date_text(value)


@lru_cache(maxsize=4096)
def _date_text(value: date) -> str:
    return _babel_date(value, "d MMMM y", locale=LOCALE)


def format_datetime(value: datetime | None) -> str:
    """"21 November 2026 14.05 WIB" in the agency's zone (Babel names the zone: WIB, WITA, WIT).

    The same text as Babel's ``d MMMM y HH.mm zzz``, built from the cached date text and the
    zone's cached name at that offset: list pages show hundreds of times, and Babel's zone
    lookup per value was a fifth of Tugas Saya's time.
    """
    return _datetime_in(value, agency_zone())


def datetime_formatter():
    """``format_datetime`` with the agency's zone looked up once, for a page of many values."""
    zone = agency_zone()
    return lambda value: _datetime_in(value, zone)


def _datetime_in(value: datetime | None, zone) -> str:
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    moment = value.astimezone(zone)
    return f"{_date_text(moment.date())} {moment.hour:02d}.{moment.minute:02d} {_zone_name(zone, moment.utcoffset())}"


@lru_cache(maxsize=64)
def _zone_name(zone: ZoneInfo, offset) -> str:
    """Babel's short name of ``zone`` at ``offset`` ("WIB"); one lookup per zone and offset."""
    sample = datetime(2026, 1, 1, tzinfo=timezone.utc) - offset
    for month in range(1, 13):  # a moment of the year when the zone has this offset (DST zones)
        candidate = datetime(2026, month, 1, 12, tzinfo=timezone.utc)
        if candidate.astimezone(zone).utcoffset() == offset:
            sample = candidate
            break
    return _babel_datetime(sample, "zzz", tzinfo=zone, locale=LOCALE)


def format_rupiah(amount: float | int | None) -> str:
    """"Rp 1.234.567" (no decimals)."""
    if amount is None:
        return ""
    return "Rp " + decimal_text(round(amount), "#,##0")


def format_number(value: float | int | None, digits: int = 2) -> str:
    """A decimal with a comma: 97,5 (at most ``digits`` decimals)."""
    if value is None:
        return ""
    return decimal_text(value, "#,##0." + "#" * digits)


def format_size(size: int) -> str:
    """A file size: "12,3 KB", "1,5 MB"."""
    for unit, factor in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= factor:
            return f"{format_number(size / factor, 1)} {unit}"
    return f"{size} byte"
