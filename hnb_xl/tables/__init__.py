"""The table floor: every fact about an input table and a cell value, once.

* :mod:`.schema`  each table's columns (engine name, header spellings, kind, unit, description,
  required, not-known codes) and :func:`~.schema.to_frame`, which validates rows from any road
* :mod:`.files`   the one reader of CSV/XLSX files (row numbers as the file shows them: the header is row 1)
"""
