"""Tests of the azure-csv, aws-csv and servers importers and the OS-name parser."""
