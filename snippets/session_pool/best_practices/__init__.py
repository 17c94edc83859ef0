"""Examples for the page "Best practices"."""
