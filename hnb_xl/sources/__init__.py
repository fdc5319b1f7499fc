"""Reading and validating modellers' source files (CSV/XLSX) into engine tables."""
