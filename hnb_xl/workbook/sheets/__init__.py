"""One module per sheet of the bundled workbook, each with ``build(wb, ctx)`` (see ../build.py)."""
