"""The RVTools importer (:mod:`.importer`, the public entry) and its parts: reading the
workbook or CSV exports (:mod:`.source`), joining the sheets per VM (:mod:`.join`),
and cell values (:mod:`.values`)."""
