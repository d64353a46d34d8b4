"""Performance benchmark of SOP Portal: bulk-generated data and timed requests.

``python -m bench.run`` (``make bench``) generates 1,000 and 20,000 runs on SQLite and
PostgreSQL, times the main pages with the Flask test client and counts SQL queries per
request. See ``bench/README.md``.
"""
