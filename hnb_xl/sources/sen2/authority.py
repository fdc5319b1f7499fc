"""Choosing a local authority in a DfE release: by name, old three-digit code or new nine-character code.

* a name is compared with case, spacing and punctuation ignored ("cambridgeshire", "Bristol, City of");
  "England" (or its code E92000001) is the national row, a region's name its regional row;
* ``873`` is an old LA code (``old_la_code``), ``E10000003`` a new one (``new_la_code``), the codes DfE
  prints in every statistical file (DfE, *LA and region codes*, in each release's data guidance).

An authority not in the file is an error naming the file, with the nearest names (difflib).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ...errors import HnbInputError

_OLD = re.compile(r"^\d{3}$")
_NEW = re.compile(r"^[A-Za-z]\d{8}$")
ENGLAND_CODE = "E92000001"


def normalise_name(text) -> str:
    """Lower case, without spaces or punctuation: "Bristol, City of" -> "bristolcityof"."""
    return re.sub(r"[\W_]+", "", str(text).casefold())


def matching(values: pd.Series, test) -> np.ndarray:
    """``test(value)`` for every cell, evaluated once per distinct value (a national file repeats a few)."""
    passing = [v for v in values.unique() if test(v)]
    return values.isin(passing).to_numpy()


def is_level(frame: pd.DataFrame, level: str) -> np.ndarray:
    """Rows of one geographic level ("local", "region", "national"), case and spacing ignored."""
    return matching(frame["geographic_level"], lambda v: str(v).strip().lower().startswith(level))


def place_names(frame: pd.DataFrame) -> pd.Series:
    """The place a row is about: the LA's name, the region's, or the country's (by geographic level)."""
    name = frame["la_name"].where(is_level(frame, "local"), "")
    if "region_name" in frame:
        name = name.where(~is_level(frame, "region"), frame["region_name"])
    if "country_name" in frame:
        name = name.where(~is_level(frame, "national"), frame["country_name"])
    return name.str.strip()


@dataclass
class Chooser:
    """A filter for one authority (``la``), or for every local authority (``la`` None), that records
    the names it has seen so that an unknown authority can be answered with the nearest ones."""
    la: str | None

    def __post_init__(self):
        self.seen: set[str] = set()
        self.found: dict[str, str] | None = None

    def __call__(self, frame: pd.DataFrame) -> np.ndarray:
        is_la = is_level(frame, "local")
        if self.la is None:
            return is_la
        names = place_names(frame)
        self.seen.update(names[is_la].unique())
        text = str(self.la).strip()
        if _OLD.match(text):
            mask = is_la & matching(frame["old_la_code"], lambda v: str(v).strip() == text)
        elif text.upper() == ENGLAND_CODE:
            mask = is_level(frame, "national")
        elif _NEW.match(text):
            mask = is_la & matching(frame["new_la_code"], lambda v: str(v).strip().upper() == text.upper())
        else:
            target = normalise_name(text)
            mask = matching(names, lambda v: normalise_name(v) == target)
        if mask.any() and self.found is None:
            row = frame[mask].iloc[0]
            self.found = {"name": place_names(frame[mask]).iloc[0], "old_la_code": row.get("old_la_code", ""),
                          "new_la_code": row.get("new_la_code", "")}
        return mask

    def check(self, source: str) -> None:
        """Raise the one-line error when the authority was not in the file."""
        if self.la is None or self.found is not None:
            return
        nearest = difflib.get_close_matches(str(self.la).strip(), sorted(self.seen), n=3, cutoff=0.5)
        if not nearest:
            norm = {normalise_name(n): n for n in self.seen}
            nearest = [norm[n] for n in difflib.get_close_matches(normalise_name(self.la), list(norm), n=3, cutoff=0.5)]
        hint = f"; nearest: {', '.join(nearest)}" if nearest else ""
        raise HnbInputError(f"no local authority '{self.la}' in this file (--la: give a name, an old code such as "
                            f"873 or a new code such as E10000003){hint}", source=source)
