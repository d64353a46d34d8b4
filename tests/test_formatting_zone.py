"""Dates carry the zone name from Babel, in the one zone the working-time calendar holds."""
from datetime import datetime, timezone

import pytest

from portal.formatting import format_datetime, format_size
from portal.worktime import WorkCalendar


@pytest.mark.parametrize("backend", ["sqlite"])
@pytest.mark.parametrize("zone, text", [("WIB", "21 November 2026 14.05 WIB"), ("WITA", "21 November 2026 15.05 WITA"),
                                        ("Asia/Jayapura", "21 November 2026 16.05 WIT")])
def test_datetime_in_the_calendar_zone(backend, app, zone, text):
    app.extensions["worktime"] = WorkCalendar.from_config({"TIMEZONE": zone})
    assert format_datetime(datetime(2026, 11, 21, 7, 5, tzinfo=timezone.utc)) == text
    assert format_datetime(datetime(2026, 11, 21, 7, 5)) == text  # naive values are UTC


def test_one_size_formatter():
    assert format_size(900) == "900 byte"
    assert format_size(1536) == "1,5 KB"
    assert format_size(20 * 1024 * 1024) == "20 MB"


@pytest.mark.parametrize("backend", ["sqlite"])
@pytest.mark.parametrize("zone", ["Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura", "Europe/Amsterdam"])
def test_datetime_text_equals_babels_pattern_in_every_zone_and_season(backend, app, zone):
    """The fast path builds the same text Babel's "d MMMM y HH.mm zzz" gives, also across a DST change."""
    from zoneinfo import ZoneInfo

    from babel.dates import format_datetime as babel_datetime

    app.extensions["worktime"] = WorkCalendar.from_config({"TIMEZONE": zone})
    for value in (datetime(2026, 1, 31, 23, 59, tzinfo=timezone.utc), datetime(2026, 7, 1, 0, 0, tzinfo=timezone.utc),
                  datetime(2026, 3, 29, 0, 30, tzinfo=timezone.utc), datetime(2026, 3, 29, 1, 30, tzinfo=timezone.utc),
                  datetime(2026, 12, 31, 17, 0, tzinfo=timezone.utc)):
        assert format_datetime(value) == babel_datetime(value, "d MMMM y HH.mm zzz", tzinfo=ZoneInfo(zone),
                                                        locale="id_ID"), value


def test_kept_number_texts_equal_babels_whatever_came_first():
    """Number texts are kept per value and spelling (1.5, Decimal("1.50") and 2.0 == 2 are equal
    keys for a dict); each must still print as Babel prints it, in either order, and repeats come
    from the cache."""
    from decimal import Decimal

    from babel.numbers import format_decimal

    from portal.formatting import _kept_decimal_text, decimal_text

    values = [Decimal("1.50"), 1.5, Decimal("1.5"), 1, 1.0, Decimal("1234567.125"), 2.0, -0.5, Decimal("0.0001")]
    for order in (values, list(reversed(values))):
        for value in order:
            for pattern in (None, "#,##0.00", "#,##0"):
                for quantize in (True, False):
                    expected = format_decimal(value, format=pattern, locale="id_ID", decimal_quantization=quantize)
                    assert decimal_text(value, pattern, quantize=quantize) == expected, (value, pattern, quantize)
    hits = _kept_decimal_text.cache_info().hits
    decimal_text(Decimal("1234567.125"))
    assert _kept_decimal_text.cache_info().hits == hits + 1
