"""Reports: HTML and XLSX."""
