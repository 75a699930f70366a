"""The queue: ticket and window commands, the events they record, and the read models (JSON shapes)
that screens, kiosks, clerks and the ticket's page read."""
