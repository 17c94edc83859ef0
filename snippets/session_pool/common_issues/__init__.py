"""Examples for the page "Common issues":
exhaustion, stale connections, leaks."""
