"""The hall's configuration: departments, items, windows, staff, devices, settings, publicity
content and uploads, and the item catalogue's spreadsheet and search keys."""
