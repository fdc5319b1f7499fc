"""`hnb-xl template DIR`: write empty source templates (CSV per table and one XLSX) to fill in."""

from __future__ import annotations

from ..errors import HnbInputError
from ..sources.templates import TEMPLATE_TABLES, write_templates


def register(sub) -> None:
    p = sub.add_parser("template", help="write empty source templates (CSV and XLSX) for refresh",
                       description="Writes <table>.csv for each input table (" + ", ".join(TEMPLATE_TABLES) +
                                   ") and hnb_sources.xlsx with one sheet per table: the exact headers, then a "
                                   "row of units in square brackets that refresh skips. Fill in either and run "
                                   "hnb-xl refresh WORKBOOK FILES.")
    p.add_argument("folder", metavar="DIR", help="folder to write into (created if missing)")
    p.add_argument("--force", action="store_true", help="overwrite existing template files")
    p.set_defaults(func=run)


def run(args) -> str:
    from pathlib import Path
    folder = Path(args.folder)
    if folder.exists() and not folder.is_dir():
        raise HnbInputError("is a file, expected a folder", source=str(folder))
    names = [f"{t}.csv" for t in TEMPLATE_TABLES] + ["hnb_sources.xlsx"]
    existing = [n for n in names if (folder / n).exists()]
    if existing and not args.force:
        raise HnbInputError(f"already holds {', '.join(existing)}: use --force to overwrite", source=str(folder))
    written = write_templates(folder)
    return "\n".join(f"wrote {p}" for p in written)
