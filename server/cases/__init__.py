"""Pages of cases (办件): the public case lookup and the counter's printable notices (issue 17)."""
