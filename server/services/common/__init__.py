"""Shared by every group: text rules for input and exports, refusal reasons, the one CSV/XLSX
writer, QR codes as SVG."""
