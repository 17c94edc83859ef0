"""The machinery that proves the site: one model of pages, examples and databases.

Data flows one way: a page (``pages``) shows an example (``examples``), which runs on a
database (``databases``, ``runner``) and leaves a record (``records``), which the page shows
(``fences``), with what a program shown whole needs installed (``requirements``). ``policy``
holds the site's rules; ``browser`` and ``pgbouncer`` start what the tests read the site with
and run examples behind. Nothing here is for readers to copy: that is what ``snippets/`` is for.
"""
