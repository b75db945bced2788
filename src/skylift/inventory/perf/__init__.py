"""The performance-trace importer (:mod:`.importer`, the public entry) and its parts:
long-format and Parquet traces (:mod:`.long`), Bitbrains traces (:mod:`.bitbrains`),
server-name mapping (:mod:`.names`), metric values (:mod:`.values`) and the series
writer (:mod:`.write`)."""
