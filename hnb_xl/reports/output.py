"""Rendering tables for the console (table), for machines (csv, json). No calculation here."""

from __future__ import annotations

import json
import math

import pandas as pd
from tabulate import tabulate

FORMATS = ("table", "csv", "json")


def _fmt_cell(value, kind: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return "TBC" if kind == "money_tbc" else ""
    if kind in ("money", "money_tbc"):
        return f"£{value:,.0f}" if value >= 0 else f"-£{-value:,.0f}"
    if kind == "money_m":
        return f"{value / 1e6:,.1f}"
    if kind == "pct":
        return f"{value * 100:.1f}%"
    if kind == "pct2":
        return f"{value * 100:.2f}%"
    if kind == "count":
        return f"{value:,.0f}"
    if kind == "count1":
        return f"{value:,.1f}"
    return str(value)


def render(frame: pd.DataFrame, fmt: str = "table", kinds: dict[str, str] | None = None,
           titles: dict[str, str] | None = None, title: str | None = None) -> str:
    """Render ``frame``. ``kinds`` formats columns in table mode only (csv/json keep raw values:
    pounds, fractions). ``titles`` renames columns in table mode."""
    if fmt == "csv":
        return frame.to_csv(index=False, lineterminator="\n")
    if fmt == "json":
        return json.dumps(records(frame), indent=2)
    kinds = kinds or {}
    titles = titles or {}
    body = [[_fmt_cell(v, kinds.get(c, "")) for c, v in zip(frame.columns, row)] for row in frame.itertuples(index=False)]
    headers = [titles.get(c, c) for c in frame.columns]
    align = ["left" if kinds.get(c, "") == "" else "right" for c in frame.columns]
    text = tabulate(body, headers=headers, tablefmt="simple", colalign=align, disable_numparse=True)
    return f"{title}\n{'=' * len(title)}\n{text}\n" if title else text + "\n"


def records(frame: pd.DataFrame) -> list[dict]:
    """JSON-safe records: NaN -> null, numpy scalars -> Python numbers."""
    out = []
    for row in frame.to_dict(orient="records"):
        clean = {}
        for k, v in row.items():
            if v is pd.NA or (isinstance(v, float) and math.isnan(v)):
                clean[k] = None
            elif hasattr(v, "item"):
                clean[k] = v.item()
            else:
                clean[k] = v
        out.append(clean)
    return out


def render_mapping(mapping: dict, fmt: str = "table", kinds: dict[str, str] | None = None,
                   title: str | None = None) -> str:
    """Render a flat dict (one record)."""
    if fmt == "json":
        return json.dumps(records(pd.DataFrame([mapping]))[0], indent=2)
    if fmt == "csv":
        return pd.DataFrame([mapping]).to_csv(index=False, lineterminator="\n")
    kinds = kinds or {}
    body = [[k, _fmt_cell(v, kinds.get(k, ""))] for k, v in mapping.items()]
    text = tabulate(body, tablefmt="simple", disable_numparse=True)
    return f"{title}\n{'=' * len(title)}\n{text}\n" if title else text + "\n"
