"""Examples for the page "Which pool to use"."""
