"""Tests for portal.worktime (working-time arithmetic for SOP deadlines)."""

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import holidays
import pytest

from portal.worktime import WorkCalendar

WIB = ZoneInfo("Asia/Jakarta")
WITA = ZoneInfo("Asia/Makassar")
UTC = timezone.utc

# 2026-07-06 is a Monday; 6-10 July 2026 contains no national holiday.
MON = date(2026, 7, 6)


def at(d: date, hh: int, mm: int = 0, tz=WIB, day_offset: int = 0) -> datetime:
    """Aware datetime on ``d + day_offset`` at hh:mm in ``tz``."""
    return datetime.combine(d + timedelta(days=day_offset), time(hh, mm), tzinfo=tz)


@pytest.fixture
def cal() -> WorkCalendar:
    return WorkCalendar()


def assert_utc_equal(result: datetime, expected: datetime) -> None:
    assert result.tzinfo is not None and result.utcoffset() == timedelta(0)
    assert result == expected


def test_reference_week_has_no_holidays():
    national = holidays.Indonesia(years=2026)
    assert MON.weekday() == 0
    assert not any(MON + timedelta(days=i) in national for i in range(12))


def test_30_menit_within_a_day(cal):
    result = cal.add(at(MON, 9), 30, "menit")
    assert_utc_equal(result, datetime(2026, 7, 6, 2, 30, tzinfo=UTC))
    assert cal.to_local(result) == at(MON, 9, 30)


def test_jam_crossing_end_of_day_into_next_day(cal):
    assert cal.add(at(MON, 15), 2, "jam") == at(MON, 8, 30, day_offset=1)


def test_ending_exactly_at_closing_time_stays_on_same_day(cal):
    assert cal.add(at(MON, 15), 1, "jam") == at(MON, 16)


def test_friday_afternoon_crosses_weekend(cal):
    friday = MON + timedelta(days=4)
    assert cal.add(at(friday, 15), 3, "jam") == at(MON, 9, 30, day_offset=7)
    assert cal.working_minutes_between(at(friday, 15), at(MON, 9, 30, day_offset=7)) == 180


def test_independence_day_from_holidays_package_is_skipped(cal):
    en = holidays.Indonesia(years=2026, language="en_US")
    matches = [d for d, name in en.items() if "Independence" in name]
    assert len(matches) == 1
    holiday = matches[0]
    assert holiday.weekday() == 0  # a Monday in 2026
    assert not cal.is_working_day(holiday)
    assert cal.holiday_name(holiday) == holidays.Indonesia(years=2026, language="id")[holiday]
    friday = holiday - timedelta(days=3)
    assert cal.add(at(friday, 15), 2, "jam") == at(holiday, 8, 30, day_offset=1)


def test_every_isolated_midweek_2026_holiday_is_skipped(cal):
    national = holidays.Indonesia(years=2026)
    checked = 0
    for day in sorted(national):
        before, after = day - timedelta(days=1), day + timedelta(days=1)
        if day.weekday() in (1, 2, 3) and before not in national and after not in national:
            assert cal.add(at(before, 15), 2, "jam") == at(after, 8, 30)
            checked += 1
    assert checked >= 1


def test_cuti_bersama_from_config_is_skipped():
    cal = WorkCalendar.from_config({"CUTI_BERSAMA": "2026-07-07, 2026-07-08"})
    assert cal.holiday_name(date(2026, 7, 7)) == "Cuti bersama"
    assert not cal.is_working_day(date(2026, 7, 8))
    assert cal.is_working_day(date(2026, 7, 9))
    assert cal.add(at(MON, 15), 2, "jam") == at(MON, 8, 30, day_offset=3)


def test_cuti_bersama_as_list_of_dates_and_strings():
    cal = WorkCalendar.from_config({"CUTI_BERSAMA": [date(2026, 7, 7), "2026-07-08"]})
    assert cal.extra_holidays == frozenset({date(2026, 7, 7), date(2026, 7, 8)})
    assert cal.holiday_name(date(2026, 7, 9)) is None


def test_start_before_opening_is_snapped(cal):
    assert cal.add(at(MON, 6), 30, "menit") == at(MON, 8)
    assert cal.next_working_moment(at(MON, 6)) == at(MON, 7, 30)


def test_start_after_closing_is_snapped_to_next_working_day(cal):
    assert cal.add(at(MON, 17), 30, "menit") == at(MON, 8, day_offset=1)
    assert cal.add(at(MON, 16), 0, "menit") == at(MON, 7, 30, day_offset=1)
    friday_evening = at(MON, 17, day_offset=4)
    assert cal.add(friday_evening, 0, "jam") == at(MON, 7, 30, day_offset=7)
    saturday = at(MON, 10, day_offset=5)
    assert cal.add(saturday, 1, "jam") == at(MON, 8, 30, day_offset=7)


def test_hari_counts_working_days(cal):
    assert cal.add(at(MON, 10), 1, "hari") == at(MON, 10, day_offset=1)
    assert cal.add(at(MON, 10, day_offset=3), 2, "Hari") == at(MON, 10, day_offset=7)
    assert cal.add(at(MON, 10), 5, "hari") == at(MON, 10, day_offset=7)
    # Documented: a start at opening time ends at closing time of the same working moment.
    assert cal.add(at(MON, 7, 30), 1, "hari") == at(MON, 16)
    assert cal.add(at(MON, 10), 1, "hari") - cal.add(at(MON, 10), 0, "hari") == timedelta(days=1)


def test_hari_skips_cuti_bersama():
    cal = WorkCalendar(extra_holidays=frozenset({date(2026, 7, 7)}))
    assert cal.add(at(MON, 10), 1, "hari") == at(MON, 10, day_offset=2)


def test_invalid_unit_and_value(cal):
    with pytest.raises(ValueError, match="Satuan waktu tidak dikenal"):
        cal.add(at(MON, 9), 1, "minggu")
    with pytest.raises(ValueError, match="negatif"):
        cal.add(at(MON, 9), -1, "jam")


START_CASES = [
    at(MON, 9),
    at(MON, 6),  # before opening
    at(MON, 18),  # after closing
    at(MON, 15, 45, day_offset=4),  # Friday afternoon
    at(MON, 11, day_offset=5),  # Saturday
    datetime(2026, 8, 14, 14, 17, 42, tzinfo=WIB),  # before Independence Day, with seconds
    datetime(2026, 7, 6, 1, 0),  # naive = UTC (08:00 WIB)
]


@pytest.mark.parametrize("start", START_CASES)
@pytest.mark.parametrize("minutes", [0, 1, 30, 509, 510, 511, 1234, 510 * 30 + 7])
def test_working_minutes_between_is_inverse_of_add(cal, start, minutes):
    due = cal.add(start, minutes, "menit")
    assert cal.working_minutes_between(start, due) == minutes


def test_working_minutes_between_edge_cases(cal):
    assert cal.working_minutes_between(at(MON, 12), at(MON, 9)) == 0
    assert cal.working_minutes_between(at(MON, 12), at(MON, 12)) == 0
    assert cal.working_minutes_between(at(MON, 16), at(MON, 7, 30, day_offset=1)) == 0
    assert cal.working_minutes_between(at(MON, 0), at(MON, 0, day_offset=7)) == 5 * 510


def test_describe_duration(cal):
    assert cal.describe_duration(0) == "0 menit"
    assert cal.describe_duration(45) == "45 menit"
    assert cal.describe_duration(60) == "1 jam"
    assert cal.describe_duration(135) == "2 jam 15 menit"
    assert cal.describe_duration(510) == "1 hari kerja"
    assert cal.describe_duration(510 + 180) == "1 hari kerja 3 jam"
    assert cal.describe_duration(2 * 510 + 1) == "2 hari kerja 1 menit"
    assert WorkCalendar(day_start=time(8), day_end=time(16)).describe_duration(480) == "1 hari kerja"
    with pytest.raises(ValueError):
        cal.describe_duration(-5)


def test_from_config_defaults_and_full_parse():
    assert WorkCalendar.from_config({}) == WorkCalendar()
    cal = WorkCalendar.from_config(
        {"TIMEZONE": "Asia/Jayapura", "WORK_HOURS": "08:00 - 15:30", "CUTI_BERSAMA": "2026-12-24,2026-12-26"}
    )
    assert cal.tz == ZoneInfo("Asia/Jayapura")
    assert (cal.day_start, cal.day_end) == (time(8), time(15, 30))
    assert cal.extra_holidays == frozenset({date(2026, 12, 24), date(2026, 12, 26)})
    assert cal.minutes_per_day == 450
    assert WorkCalendar.from_config({"TIMEZONE": "WITA"}).tz == WITA


@pytest.mark.parametrize(
    "config, message",
    [
        ({"TIMEZONE": "Mars/Olympus"}, "TIMEZONE tidak dikenal"),
        ({"TIMEZONE": 7}, "TIMEZONE tidak valid"),
        ({"WORK_HOURS": "7.30 sampai 16"}, "WORK_HOURS tidak valid"),
        ({"WORK_HOURS": "16:00-07:30"}, "jam mulai harus sebelum jam selesai"),
        ({"WORK_HOURS": "25:00-26:00"}, "jam yang tidak valid"),
        ({"CUTI_BERSAMA": "2026-12-24,2026-13-01"}, "CUTI_BERSAMA berisi tanggal tidak valid: '2026-13-01'"),
        ({"CUTI_BERSAMA": [20261224]}, "CUTI_BERSAMA berisi nilai tidak valid"),
        ({"CUTI_BERSAMA": 5}, "CUTI_BERSAMA harus berupa daftar"),
    ],
)
def test_from_config_errors(config, message):
    with pytest.raises(ValueError, match=message):
        WorkCalendar.from_config(config)


def test_wita_zone():
    wita = WorkCalendar.from_config({"TIMEZONE": "Asia/Makassar"})
    start = datetime(2026, 7, 6, 0, 0, tzinfo=UTC)  # 08:00 WITA, 07:00 WIB
    assert wita.to_local(start) == at(MON, 8, tz=WITA)
    assert_utc_equal(wita.add(start, 30, "menit"), datetime(2026, 7, 6, 0, 30, tzinfo=UTC))
    assert_utc_equal(WorkCalendar().add(start, 30, "menit"), datetime(2026, 7, 6, 1, 0, tzinfo=UTC))
    # 16:00 WITA closing is 08:00 UTC; one hour more spills into Tuesday 08:30 WITA.
    assert wita.add(start, 8, "jam") == datetime(2026, 7, 6, 8, 0, tzinfo=UTC)
    assert wita.add(start, 9, "jam") == datetime(2026, 7, 7, 0, 30, tzinfo=UTC)


def test_to_local_treats_naive_as_utc(cal):
    local = cal.to_local(datetime(2026, 7, 6, 0, 30))
    assert local == at(MON, 7, 30) and local.tzinfo == WIB


def test_calendar_without_working_days_raises():
    weekdays = [date(2026, 7, 6) + timedelta(days=i) for i in range(4 * 366)]
    cal = WorkCalendar(extra_holidays=frozenset(weekdays))
    with pytest.raises(ValueError, match="3 tahun"):
        cal.add(at(MON, 9), 1, "jam")


def test_invalid_work_window_rejected():
    with pytest.raises(ValueError):
        WorkCalendar(day_start=time(16), day_end=time(7, 30))


def test_large_hari_value_walks_day_by_day(cal):
    due = cal.add(at(MON, 10), 1000, "hari")
    assert cal.working_minutes_between(at(MON, 10), due) == 1000 * 510
    assert cal.to_local(due).time() == time(10)
