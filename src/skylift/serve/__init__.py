"""The local web dashboard (``skylift serve``): the report's views, live, over one workspace.

An interface beside the CLI: it reads the workspace through the application
layer and renders with :mod:`skylift.report`; nothing below imports it.
"""
