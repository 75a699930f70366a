"""Service layer: one unit of work per command, events published after commit."""
