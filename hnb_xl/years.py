"""Financial years, written as the sector writes them: "2022-23" is 1 April 2022 to 31 March 2023.

Accepted spellings: "2022-23", "2022/23", "2022-2023", "2022/2023", "FY2022-23", 2022, 2022.0
(a number is the calendar year in which the financial year starts).
"""

from __future__ import annotations

import re

_FY = re.compile(r"^\s*(?:fy\s*)?(\d{4})\s*[-/–]\s*(\d{2}|\d{4})\s*$", re.IGNORECASE)
_YEAR = re.compile(r"^\s*(\d{4})(?:\.0+)?\s*$")


def parse_year(value) -> int:
    """Return the starting calendar year of a financial year, e.g. "2022-23" -> 2022.

    Raises ValueError with a readable message for anything else.
    """
    if isinstance(value, bool) or value is None:
        raise ValueError(f"expected a financial year such as 2022-23, got {value!r}")
    if isinstance(value, (int, float)):
        if float(value).is_integer() and 1900 <= value <= 2200:
            return int(value)
        raise ValueError(f"expected a financial year such as 2022-23, got {value!r}")
    text = str(value)
    m = _YEAR.match(text)
    if m:
        return int(m.group(1))
    m = _FY.match(text)
    if m:
        start, end = int(m.group(1)), m.group(2)
        expected_end = start + 1
        if (len(end) == 2 and int(end) == expected_end % 100) or (len(end) == 4 and int(end) == expected_end):
            return start
        raise ValueError(f"'{text}' is not a financial year: the second year must follow the first (e.g. {fy(start)})")
    raise ValueError(f"expected a financial year such as 2022-23, got {text!r}")


def fy(start_year: int) -> str:
    """Format a financial year label: 2022 -> "2022-23"."""
    return f"{start_year}-{(start_year + 1) % 100:02d}"

