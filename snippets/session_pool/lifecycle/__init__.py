"""Examples of the page "Connection life cycle"."""
