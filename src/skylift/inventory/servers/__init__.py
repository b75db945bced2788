"""``skylift discover servers``: skylift's own server list as CSV, JSON or YAML.

:mod:`.importer` runs the import top-down, one file after another: read the
entries as written (:mod:`.rows` for CSV, :mod:`.documents` for JSON/YAML),
validate each against the schema (:mod:`.schema`), turn it into a server,
collect it. The readers do not validate, the schema does not read.
"""
