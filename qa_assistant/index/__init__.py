"""The index: a SQLite store updated in place (WAL) plus immutable base files
(BM25 postings; FAISS IVF above the exact limit), one writer at a time.

Layout: :mod:`.layout`; store: :mod:`.schema`/:mod:`.store`; vector search:
:mod:`.vectors`; BM25: :mod:`.postings`; merging: :mod:`.compact`; updates: :mod:`.update`.
"""

from .reader import IndexReader, open_index
from .source import built_from, follow_index_folder
from .status import index_status, verify_index
from .update import update_index

__all__ = ["IndexReader", "built_from", "follow_index_folder", "index_status", "open_index", "update_index",
           "verify_index"]
