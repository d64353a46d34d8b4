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
