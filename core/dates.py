"""Date values as users and sidecars write them: `YYYY`, `YYYY-MM` or `YYYY-MM-DD` (one rule for all).

A document's date, a sidecar's `date`, and `--since`/`--until` all take this form; a partial date
stands for the whole year or month it names.
"""

from __future__ import annotations

import re
from datetime import date as _date

DATE_VALUE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_LOOSE_VALUE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")


def check_date_value(value: str | None) -> str | None:
    """`value` stripped, or None when empty.

    Raises ValueError naming the value when it is not YYYY, YYYY-MM or YYYY-MM-DD of a real day.
    """
    value = (value or "").strip()
    if not value:
        return None
    m = DATE_VALUE.match(value)
    if not m:
        raise ValueError(f"date {value!r} must be YYYY, YYYY-MM or YYYY-MM-DD")
    try:
        _date(int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1))
    except ValueError:
        raise ValueError(f"date {value!r} is not a real date") from None
    return value


def date_bound(value: str, upper: bool) -> int:
    """The first (or, with `upper`, last) day a date value covers, as the integer YYYYMMDD.

    Months and days may have one digit (`2031-9`). Raises ValueError for any other form.
    """
    m = _LOOSE_VALUE.fullmatch(value.strip())
    if not m:
        raise ValueError(f"date {value!r} must be YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = m.group(1), m.group(2), m.group(3)
    if upper:
        return int(f"{year}{int(month or 12):02d}{int(day or 31):02d}")
    return int(f"{year}{int(month or 1):02d}{int(day or 1):02d}")
