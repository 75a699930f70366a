"""Cases (办件, issue 17): numbers, the counter's outcome, progress for the visitor, case figures and
case alerts."""
