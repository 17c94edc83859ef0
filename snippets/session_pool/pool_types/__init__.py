"""Examples for the page "Pool types"."""
