"""Runnable examples shown on the site; each module runs alone:
``python -m snippets.<path>``."""
