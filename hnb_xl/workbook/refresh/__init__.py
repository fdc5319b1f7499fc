"""Refreshing the workbook's input tables from source files: one plan, two doors.

* :mod:`.plan`       what a refresh will write, decided once (validated sources, changes, table writes)
* :mod:`.audit`      the Logs sheet after it: assumptions, the data sources loaded, the refresh log
* :mod:`.file`       the command line's door: snapshot read, atomic save, loss check (``hnb-xl refresh``)
* :mod:`.patch`      the door's writes in the workbook's own XML, every other part kept byte for byte
* :mod:`.excel`      the Cover's button: the same plan applied to the open workbook through xlwings
* :mod:`.cells`      reading and writing cells through one small interface (openpyxl or xlwings)
* :mod:`.inventory`  what an openpyxl save may lose, and Excel's lock file
* :mod:`.load`       openpyxl's load, keeping the merged ranges' cells as the file has them (the route
                     for what :mod:`.patch` does not write)

Every companion ``<workbook>.py`` shipped beside a workbook does
``from hnb_xl.workbook.refresh import refresh_from_excel``: that name stays here.
"""

from .audit import REFRESH_LOG_HEADERS, REFRESH_LOG_TITLE, log_writes
from .excel import refresh_book, refresh_from_excel
from .file import refresh, save_atomically
from .inventory import (cached_values, control_mirrors, drawing_shapes, inventory, lock_file, losses,
                        precheck_losses)
from .plan import (RefreshPlan, RefreshResult, TableChange, Target, backup_path, current_frame, diff, error_text,
                   layout_targets, new_rows, parameter_rows, plan_refresh, read_table, table_write, targets,
                   user_name)

__all__ = [
    "refresh", "refresh_from_excel", "refresh_book", "save_atomically", "error_text", "plan_refresh", "log_writes",
    "RefreshPlan", "RefreshResult", "TableChange", "Target", "targets", "layout_targets", "read_table", "new_rows",
    "parameter_rows", "diff", "table_write", "current_frame", "backup_path", "user_name", "REFRESH_LOG_TITLE",
    "REFRESH_LOG_HEADERS", "inventory", "losses", "precheck_losses", "lock_file", "cached_values",
    "control_mirrors", "drawing_shapes",
]
