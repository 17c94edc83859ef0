"""Examples for the page "FastAPI, Flask and threads":
FastAPI's worker threads, Flask-SQLAlchemy's settings, Sessions in threads."""
