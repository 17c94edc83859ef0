"""Examples for the page "Monitoring pool health"."""
