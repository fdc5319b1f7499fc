"""Proving the workbook: static formula checks (:mod:`.check`, ``hnb-xl check``), a LibreOffice
recalculation of a copy (:mod:`.recalc`) and an evaluation with the ``formulas`` package
(:mod:`.evaluate`, needs the ``verify`` extra). None of them changes the file it is given."""
