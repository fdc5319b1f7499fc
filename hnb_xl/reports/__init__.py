"""What users read: tables for the terminal, CSV/JSON exports (:mod:`.output`) and the Schools Forum pack
(:mod:`.pack`)."""
