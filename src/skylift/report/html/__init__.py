"""The HTML report and the dashboard's views: sections computed in Python
(:mod:`~skylift.report.html.views_estate` …), Apache ECharts option documents
(:mod:`~skylift.report.html.charts`), Jinja2 templates
(:mod:`~skylift.report.html.render`)."""

from skylift.report.html.model import ReportInputs, Section
from skylift.report.html.render import SECTIONS, build_sections, render_report

__all__ = ["SECTIONS", "ReportInputs", "Section", "build_sections", "render_report"]
