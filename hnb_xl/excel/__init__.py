"""Helpers of the Excel functions (:mod:`hnb_xl.udfs`): their spec, argument conversion and caches, the VBA.

* :mod:`.spec`  each function's name, description and argument help (read by the adapters, the VBA
  generator and the tests)
* :mod:`.args`  values as Excel sends them -> engine inputs, engine results -> cell values
* :mod:`.vba`   the generated VBA that registers the functions' help in Excel
"""
