"""Importers: turn the inventories people already have into an :class:`ImportBatch`.

Importers parse only; the workspace writes a batch in one transaction.
"""
