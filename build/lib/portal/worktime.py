"""Working-time arithmetic for SOP step deadlines.

Working days are Monday-Friday minus Indonesian national holidays (from the
``holidays`` package) minus configurable extra dates (cuti bersama). Working
hours default to 07:30-16:00 in the agency time zone (Asia/Jakarta by default).
All arithmetic is done on the agency's local wall clock, walking day by day;
results are returned as timezone-aware UTC datetimes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

__all__ = ["WorkCalendar", "UNITS"]

UNITS = ("menit", "jam", "hari")
CUTI_BERSAMA_LABEL = "Cuti bersama"
# Longest run of consecutive non-working days tolerated before giving up.
_MAX_SCAN_DAYS = 3 * 366
_ONE_DAY = timedelta(days=1)
_ONE_MINUTE = timedelta(minutes=1)
_TZ_ALIASES = {"WIB": "Asia/Jakarta", "WITA": "Asia/Makassar", "WIT": "Asia/Jayapura"}
_WORK_HOURS_RE = re.compile(r"^\s*(\d{1,2})[:.](\d{2})\s*-\s*(\d{1,2})[:.](\d{2})\s*$")


@lru_cache(maxsize=None)
def _national_holidays(year: int) -> dict[date, str]:
    """Return the Indonesian national (public) holidays of one year, names in Indonesian."""
    return dict(holidays.country_holidays("ID", years=year, language="id").items())


def _parse_zone(value: object) -> ZoneInfo:
    """Parse an IANA zone name (or WIB/WITA/WIT alias) into a ZoneInfo."""
    if isinstance(value, ZoneInfo):
        return value
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"TIMEZONE tidak valid: {value!r} (contoh: 'Asia/Jakarta').")
    name = _TZ_ALIASES.get(value.strip().upper(), value.strip())
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"TIMEZONE tidak dikenal: {value!r} (gunakan Asia/Jakarta, Asia/Makassar, "
            "atau Asia/Jayapura)."
        ) from None


def _parse_work_hours(value: object) -> tuple[time, time]:
    """Parse "HH:MM-HH:MM" into a (start, end) pair of times."""
    match = _WORK_HOURS_RE.match(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f"WORK_HOURS tidak valid: {value!r} (format: 'HH:MM-HH:MM', mis. '07:30-16:00').")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    try:
        start, end = time(h1, m1), time(h2, m2)
    except ValueError:
        raise ValueError(f"WORK_HOURS berisi jam yang tidak valid: {value!r}.") from None
    if start >= end:
        raise ValueError(f"WORK_HOURS tidak valid: {value!r} (jam mulai harus sebelum jam selesai).")
    return start, end


def _parse_dates(value: object) -> frozenset[date]:
    """Parse cuti bersama dates: an iterable of dates/ISO strings or one comma-separated string."""
    if value is None:
        return frozenset()
    items: Iterable[object] = value.split(",") if isinstance(value, str) else value
    if isinstance(items, (date, bytes, Mapping)) or not isinstance(items, Iterable):
        raise ValueError(f"CUTI_BERSAMA harus berupa daftar tanggal, bukan {type(value).__name__}.")
    result: set[date] = set()
    for item in items:
        if isinstance(item, datetime):
            result.add(item.date())
        elif isinstance(item, date):
            result.add(item)
        elif isinstance(item, str):
            if not item.strip():
                continue
            try:
                result.add(date.fromisoformat(item.strip()))
            except ValueError:
                raise ValueError(
                    f"CUTI_BERSAMA berisi tanggal tidak valid: {item.strip()!r} (format: YYYY-MM-DD)."
                ) from None
        else:
            raise ValueError(f"CUTI_BERSAMA berisi nilai tidak valid: {item!r} (format: YYYY-MM-DD).")
    return frozenset(result)


@dataclass(frozen=True)
class WorkCalendar:
    """Agency working calendar: working days, working hours and time zone.

    ``add`` and ``working_minutes_between`` count wall-clock minutes inside the
    working window of working days only. One "hari" equals the minutes of one
    full working day (510 with the default 07:30-16:00 window).
    """

    tz: ZoneInfo = ZoneInfo("Asia/Jakarta")
    day_start: time = time(7, 30)
    day_end: time = time(16, 0)
    extra_holidays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        """Validate the window and normalise ``extra_holidays`` to a frozenset of dates."""
        if self.day_start >= self.day_end:
            raise ValueError("Jam mulai kerja harus sebelum jam selesai kerja.")
        if any(t.second or t.microsecond or t.tzinfo for t in (self.day_start, self.day_end)):
            raise ValueError("Jam kerja harus berupa jam:menit tanpa detik atau zona waktu.")
        object.__setattr__(self, "extra_holidays", _parse_dates(self.extra_holidays))

    @classmethod
    def from_config(cls, config: Mapping) -> "WorkCalendar":
        """Build a calendar from config keys TIMEZONE, WORK_HOURS and CUTI_BERSAMA (all optional).

        Raises ValueError with a descriptive message on malformed values.
        """
        kwargs: dict[str, object] = {}
        if config.get("TIMEZONE") not in (None, ""):
            kwargs["tz"] = _parse_zone(config["TIMEZONE"])
        if config.get("WORK_HOURS") not in (None, ""):
            kwargs["day_start"], kwargs["day_end"] = _parse_work_hours(config["WORK_HOURS"])
        kwargs["extra_holidays"] = _parse_dates(config.get("CUTI_BERSAMA"))
        return cls(**kwargs)

    @property
    def minutes_per_day(self) -> int:
        """Working minutes in one full working day (one "hari")."""
        start = self.day_start.hour * 60 + self.day_start.minute
        return self.day_end.hour * 60 + self.day_end.minute - start

    def to_local(self, dt: datetime) -> datetime:
        """Convert an aware datetime (naive means UTC) into the agency time zone."""
        if not isinstance(dt, datetime):
            raise TypeError(f"Diperlukan datetime, bukan {type(dt).__name__}.")
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=timezone.utc)
        return dt.astimezone(self.tz)

    def holiday_name(self, d: date) -> str | None:
        """Return the holiday name of a date (national name or "Cuti bersama"), else None."""
        if isinstance(d, datetime):
            d = self.to_local(d).date()
        name = _national_holidays(d.year).get(d)
        if name:
            return name
        return CUTI_BERSAMA_LABEL if d in self.extra_holidays else None

    def is_working_day(self, d: date) -> bool:
        """True for Monday-Friday that is neither a national holiday nor cuti bersama."""
        if isinstance(d, datetime):
            d = self.to_local(d).date()
        return d.weekday() < 5 and d not in self.extra_holidays and d not in _national_holidays(d.year)

    def next_working_moment(self, dt: datetime) -> datetime:
        """Return ``dt`` snapped forward to the next working moment, as aware UTC."""
        return self._to_utc(self._snap(self._local_naive(dt)))

    def add(self, start: datetime, value: int, unit: str) -> datetime:
        """Return the aware-UTC due time ``value`` ``unit`` of working time after ``start``.

        ``start`` is first snapped forward to the next working moment. "menit" and
        "jam" add working minutes; "hari" adds ``value`` full working days of
        minutes, i.e. the same clock time ``value`` working days later (a start at
        exactly the opening time therefore ends at closing time of the previous
        working day, which is the same working moment). Value 0 returns the
        snapped start. Raises ValueError for an unknown unit or a negative value.
        """
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"Nilai waktu harus bilangan bulat, bukan {value!r}.")
        if value < 0:
            raise ValueError(f"Nilai waktu tidak boleh negatif: {value}.")
        norm = unit.strip().lower() if isinstance(unit, str) else unit
        factors = {"menit": 1, "jam": 60, "hari": self.minutes_per_day}
        if norm not in factors:
            raise ValueError(f"Satuan waktu tidak dikenal: {unit!r} (gunakan menit, jam, atau hari).")
        remaining = timedelta(minutes=value * factors[norm])
        cur = self._snap(self._local_naive(start))
        while True:
            available = datetime.combine(cur.date(), self.day_end) - cur
            if remaining <= available:
                return self._to_utc(cur + remaining)
            remaining -= available
            cur = datetime.combine(self._next_working_day(cur.date() + _ONE_DAY), self.day_start)

    def working_minutes_between(self, start: datetime, end: datetime) -> int:
        """Return whole working minutes elapsed from ``start`` to ``end`` (0 if end <= start)."""
        s, e = self._local_naive(start), self._local_naive(end)
        if e <= s:
            return 0
        total = timedelta(0)
        d = s.date()
        while d <= e.date():
            if self.is_working_day(d):
                lo = max(s, datetime.combine(d, self.day_start))
                hi = min(e, datetime.combine(d, self.day_end))
                if hi > lo:
                    total += hi - lo
            d += _ONE_DAY
        return total // _ONE_MINUTE

    def describe_duration(self, minutes: int) -> str:
        """Describe a working duration in Indonesian, e.g. "1 hari kerja 3 jam" or "45 menit"."""
        if minutes < 0:
            raise ValueError(f"Durasi tidak boleh negatif: {minutes}.")
        days, rest = divmod(int(minutes), self.minutes_per_day)
        hours, mins = divmod(rest, 60)
        parts = [f"{days} hari kerja"] if days else []
        parts += [f"{hours} jam"] if hours else []
        parts += [f"{mins} menit"] if mins else []
        return " ".join(parts) or "0 menit"

    # -- internal helpers (naive datetimes below are agency wall-clock time) --

    def _local_naive(self, dt: datetime) -> datetime:
        """Convert to naive agency wall-clock time."""
        return self.to_local(dt).replace(tzinfo=None)

    def _to_utc(self, local: datetime) -> datetime:
        """Convert naive agency wall-clock time to aware UTC."""
        return local.replace(tzinfo=self.tz).astimezone(timezone.utc)

    def _next_working_day(self, d: date) -> date:
        """Return the first working day on or after ``d``; ValueError if none within ~3 years."""
        cur = d
        for _ in range(_MAX_SCAN_DAYS):
            if self.is_working_day(cur):
                return cur
            cur += _ONE_DAY
        raise ValueError(
            f"Tidak ada hari kerja dalam 3 tahun sejak {d.isoformat()}; periksa konfigurasi kalender kerja."
        )

    def _snap(self, local: datetime) -> datetime:
        """Snap naive local time forward to a working moment strictly before closing time."""
        if self.is_working_day(local.date()) and local.time() < self.day_end:
            return max(local, datetime.combine(local.date(), self.day_start))
        return datetime.combine(self._next_working_day(local.date() + _ONE_DAY), self.day_start)
