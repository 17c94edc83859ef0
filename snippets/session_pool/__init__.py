"""Examples for the chapter "Session pool management: connection pooling"."""
