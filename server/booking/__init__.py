"""The public booking page (预约, issue 19)."""
