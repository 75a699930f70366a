"""Administration pages: configure the hall from the browser."""
