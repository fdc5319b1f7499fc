"""The table floor: every fact about an input table and a cell value, once.

* :mod:`.cells`   the cell vocabulary: the blank rule, the one number grammar (``parse_number``,
  docs/input-grammar.md), each kind's range and number format (``KIND_RULES``), engine value to
  cell (``to_cell``)
* :mod:`.schema`  each table's columns (engine name, header spellings, kind, unit, description,
  required, range, number format, not-known codes) and :func:`~.schema.to_frame`, which validates
  rows from any road
* :mod:`.files`   the one reader of CSV/XLSX files (row numbers as the file shows them: the header is row 1)
* :mod:`.fast`    the fast path of to_frame for plainly valid Excel ranges (same rules, read from the columns)
* :mod:`.validate` the rules across tables (assumptions after history, agreement years, parameters)
"""
