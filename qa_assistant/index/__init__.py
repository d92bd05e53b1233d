"""The index: a SQLite store of articles, sentences and passages (with vectors) plus a FAISS
index of passage vectors, kept in generations swapped atomically.

Layout and atomicity: :mod:`.layout`; FAISS choice: :mod:`.vectors`; updates: :mod:`.update`.
"""

from .reader import IndexReader, open_index
from .status import index_status, verify_index
from .update import update_index

__all__ = ["IndexReader", "index_status", "open_index", "update_index", "verify_index"]
