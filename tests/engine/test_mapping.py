"""Values between JSON and columns (tmf_api/engine/mapping.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from tmf_api.engine.mapping import format_datetime, parse_datetime

BEIJING = dt.timezone(dt.timedelta(hours=8))


@pytest.mark.parametrize(
    ("instant", "text"),
    [
        (dt.datetime(2026, 11, 1, 8, 0, 0, 123456, tzinfo=dt.UTC), "2026-11-01T08:00:00.123Z"),
        # Years below 1000 keep four digits, or the value is no RFC 3339 date-time.
        (dt.datetime(404, 8, 23, 1, 2, 3, tzinfo=dt.UTC), "0404-08-23T01:02:03.000Z"),
        (dt.datetime(1, 1, 1, tzinfo=dt.UTC), "0001-01-01T00:00:00.000Z"),
        (dt.datetime(2026, 11, 1, 16, 0, tzinfo=BEIJING), "2026-11-01T08:00:00.000Z"),
    ],
)
def test_format_datetime_is_rfc3339_utc_with_milliseconds(instant: dt.datetime, text: str) -> None:
    assert format_datetime(instant) == text
    assert parse_datetime(text, "x") == instant.replace(microsecond=instant.microsecond // 1000 * 1000)
