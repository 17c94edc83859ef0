"""Examples for the page "gunicorn and Celery": real forking servers."""
