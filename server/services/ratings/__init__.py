"""Ratings (好差评) from the counter and the phone, rectification of bad ratings, complaints, and their
settings."""
