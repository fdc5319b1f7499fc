"""The bundled workbook ``workbook/HNB_Model.xlsm``: layout, build, checks and recalculation.

* :mod:`.layout`    the one place for sheet names, cell anchors, defined names, input-table positions
* :mod:`.build`     generates the workbook (``hnb-xl build``) from xlwings' standalone template
* :mod:`.sheets`    one builder module per sheet
* :mod:`.styles`    the input style, headings and number formats
* :mod:`.check`     static formula checks (``hnb-xl check``)
* :mod:`.recalc`    LibreOffice recalculation of a copy; :mod:`.evaluate` the ``formulas`` engine
"""
