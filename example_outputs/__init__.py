"""Build plumbing: run each example once per change, keep what it printed, show it on the pages.

* ``records``: one text file per (example, database) under ``records/``: the snapshot the
  tests hold the example to, and the output the site shows.
* ``servers``: the databases examples run on, each run in a schema or database of its own.
* ``runner``: run an example as a reader would, ``python -m snippets...``.
* ``fences``: the ``output`` and ``verified-on`` fences of the pages (pymdownx.superfences).

Nothing here is meant to be copied into a reader's project: that is what ``snippets/`` is for.
"""
