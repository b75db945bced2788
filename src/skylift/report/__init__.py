"""Every exporter: assessment CSV/XLSX, waves and MGN CSV, the Gantt SVG, scan SARIF."""
