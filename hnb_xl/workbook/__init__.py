"""The bundled workbook ``workbook/HNB_Model.xlsm``, in three rooms by job.

Build (``hnb-xl build``):

* :mod:`.layout`      the one place for sheet names, cell anchors, defined names, input-table positions
* :mod:`.build`       generates the workbook from xlwings' standalone template and the bundled data
* :mod:`.sheets`      one builder module per sheet
* :mod:`.styles`      the input style, headings and number formats
* :mod:`.charts`      the ranges the two Outputs charts plot (also moved by a refresh)
* :mod:`.cells_dump`  the text dump of every cell written beside the workbook (``HNB_Model.cells.txt``)

Refresh (``hnb-xl refresh`` and the Cover's button): :mod:`.refresh`, a package whose
``refresh_from_excel`` every shipped companion ``.py`` imports.

Verify: :mod:`.verify.check` (static formula checks, ``hnb-xl check``); :mod:`.verify.recalc`
(LibreOffice recalculation of a copy) and :mod:`.verify.evaluate` (the ``formulas`` engine, the
``verify`` extra: tests and benchmarks only).
"""
