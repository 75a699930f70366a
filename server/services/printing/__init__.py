"""Printing: print jobs and their outcomes, the spooler that puts them on paper, printer addresses,
and the ticket's paper layout."""
