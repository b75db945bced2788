"""A small bounded XLSX reader: workbooks and sheets (:mod:`.workbook`, the public
entry) over a streaming sheet parser (:mod:`.stream`)."""
