"""Oversight pages: the live monitor, reports (with a printable view) and the audit log."""
