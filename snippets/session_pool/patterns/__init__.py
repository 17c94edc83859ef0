"""Examples for the page "Common patterns":
web app, worker, serverless, SQLite."""
