"""Examples for the page "After an error": a connection lost
mid-transaction, a read-only node after a failover, refusals."""
