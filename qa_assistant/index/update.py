"""``update_index``: bring an index in line with its articles folder, atomically.

An update changes the live store in place inside ONE SQLite transaction (WAL):
rows of added, changed, moved and removed articles, their postings in the
delta, tombstones for merged passages that left, remembered failures, and the
generation number.  When the delta has grown past its size it is merged into a
new base folder first (written and fsynced before the commit that names it).
Until the commit readers see generation n whole; after it, n+1 whole.  A crash
or kill at any point leaves the store on one of them (SQLite rolls an
unfinished transaction back) and the next update deletes unreferenced files.

A build from scratch (the first one, or ``rebuild``) writes a new epoch folder
beside the live one and swaps CURRENT, so the old index stays live until the
new one is complete.  A file that fails to read or parse keeps its previously
indexed version (a half-written save never loses an article), is reported in
``failed``, and is not read again until its size or mtime changes.
"""

from __future__ import annotations

import datetime as _dt
import shutil
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import Settings
from ..errors import DiskFullError, EmbedderMismatchError, IndexCorruptError
from ..fsutil import fsync_path
from ..ingest import ArticleFile, list_article_files
from ..models import Move, UpdateProgress, UpdateReport
from . import compact, layout, space
from .apply import Applied, parse_embed_store
from .checks import base_files_ok, check_embedder, check_store
from .lock import WriterLock
from .plan import Plan, make_plan
from .postings import PostingsBuilder
from .schema import FORMAT_VERSION, compact_file, connect_reader, connect_writer, create_schema, write_meta
from .store import StoreWriter

if TYPE_CHECKING:
    from ..embedding.embedder import Embedder

Checkpoint = Callable[[str], None]
"""Called with the name of each step (tests use it to crash at exact points)."""

UPDATE_CHECKPOINTS = ("after-rows", "after-merge-write", "before-commit", "after-commit")
BUILD_CHECKPOINTS = ("after-rows", "after-merge-write", "after-store", "before-current-swap", "after-swap")
CHECKPOINTS = tuple(dict.fromkeys(UPDATE_CHECKPOINTS + BUILD_CHECKPOINTS))
VISIBLE_AFTER = ("after-commit", "after-swap")
"""Checkpoints from which readers see the new content."""


def update_index(settings: Settings, embedder: Embedder | None = None, *, rebuild: bool = False,
                 progress: Callable[[UpdateProgress], None] | None = None,
                 checkpoint: Checkpoint | None = None,
                 loaded: Callable[[Embedder], None] | None = None) -> UpdateReport:
    """Add, change, move and remove articles so the index mirrors ``settings.articles_dir``.

    ``rebuild`` starts from an empty store (still atomically).  ``embedder`` is loaded
    from ``settings`` only if something needs embedding (and then given to ``loaded``,
    so a caller that updates again can keep it).  Raises IndexLockedError when
    another update runs, IndexCorruptError / EmbedderMismatchError (naming
    ``qa-assistant index rebuild``) when the live index cannot be extended,
    DiskFullError when the disk fills up, and IngestError when the articles folder is missing.
    """
    started = time.perf_counter()
    index_dir = settings.index_dir
    layout.check_index_path(index_dir)
    if not Path(settings.articles_dir).is_dir():
        list_article_files(settings.articles_dir)  # raises: a missing folder is said before anything is created
    created = not index_dir.exists()
    try:
        with WriterLock(index_dir):
            job = _Update(settings, embedder, rebuild, progress, checkpoint or (lambda name: None))
            job.loaded = loaded
            return job.run(started)
    except (OSError, sqlite3.DatabaseError, IndexCorruptError) as exc:
        if space.disk_full(exc, index_dir):
            raise DiskFullError(f"no space left on the disk of index {index_dir}; free at least "
                                f"{space.needed(settings)} there and retry (the index is unchanged)") from None
        raise
    finally:
        if created and index_dir.is_dir() and [p.name for p in index_dir.iterdir()] == [layout.LOCK_NAME]:
            shutil.rmtree(index_dir, ignore_errors=True)


def _generation_of(live: layout.Live | None) -> int:
    """The generation number of a store being replaced (0 when unknown), so numbers keep growing."""
    if live is None:
        return 0
    try:
        conn = connect_reader(live.store)
        try:
            row = conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        finally:
            conn.close()
        return int(row[0]) if row else 0
    except (sqlite3.DatabaseError, ValueError):
        return 0


class _Update:
    def __init__(self, settings: Settings, embedder: Embedder | None, rebuild: bool,
                 progress: Callable[[UpdateProgress], None] | None, checkpoint: Checkpoint) -> None:
        self.settings = settings
        self.index_dir = settings.index_dir
        self.embedder = embedder
        self.rebuild = rebuild
        self.progress = progress
        self.checkpoint = checkpoint
        self.meta: dict[str, str] = {}
        self.loaded: Callable[[Embedder], None] | None = None

    def run(self, started: float) -> UpdateReport:
        live = self._live()
        if live is None or self.rebuild:
            return self._build(live, started)
        return self._update(live, started)

    def _live(self) -> layout.Live | None:
        try:
            return layout.read_current(self.index_dir)
        except IndexCorruptError:
            if self.rebuild:
                return None
            raise

    # --- the embedder ---------------------------------------------------------------

    def _check_embedder(self) -> None:
        assert self.embedder is not None
        if not self.meta:
            return
        check_embedder(self.index_dir, self.meta, self.embedder.name)
        if int(self.meta["dimension"]) != self.embedder.dimension:
            raise EmbedderMismatchError(
                f"index {self.index_dir} holds {self.meta['dimension']}-dimensional vectors, the embedder makes "
                f"{self.embedder.dimension}; {layout.rebuild_hint(self.index_dir)}"
            )

    def _need_embedder(self) -> Embedder:
        if self.embedder is None:
            from ..embedding.embedder import load_embedder

            self.embedder = load_embedder(self.settings)
            if self.loaded is not None:
                self.loaded(self.embedder)
            self._check_embedder()
        return self.embedder

    # --- in place ----------------------------------------------------------------------

    def _update(self, live: layout.Live, started: float) -> UpdateReport:
        try:
            conn = connect_writer(live.store)
        except sqlite3.DatabaseError as exc:
            raise layout.corrupt(self.index_dir, f"store: {exc}") from None
        try:
            self.meta = check_store(self.index_dir, conn)
            base_files_ok(self.index_dir, live.folder, self.meta, checksums=False)
            if self.embedder is not None:
                self._check_embedder()
            layout.remove_stale(self.index_dir, keep=live.epoch)
            compact.remove_unused_bases(live.folder, {self.meta.get("base", ""), self.meta.get("previous_base", "")})
            writer = StoreWriter(conn, int(self.meta["dimension"]))
            plan = make_plan(self.settings.articles_dir, writer.stored_articles(), self.settings, self.progress,
                             writer.known_failures())
            same_folder = self.meta.get("articles_dir") == str(self.settings.articles_dir)
            generation = int(self.meta["generation"])
            if plan.is_empty and same_folder:
                layout.remember_source(self.index_dir, self.settings.articles_dir)
                return self._report(plan, Applied(), started, generation)
            conn.execute("BEGIN IMMEDIATE")
            committed = False
            try:
                applied = self._apply(plan, writer)
                self._report_progress(0)
                values = self._merge_if_due(conn, live.folder)
                content = bool(plan.pending or applied.added or applied.changed or not same_folder)
                if content:
                    generation += 1
                values.update(self._meta_values(generation, applied.embedded > 0))
                write_meta(conn, values)
                self.checkpoint("before-commit")
                conn.execute("COMMIT")
                committed = True
            finally:
                if not committed and conn.in_transaction:
                    conn.execute("ROLLBACK")
            self.checkpoint("after-commit")
            self._report_progress(1)
            layout.remember_source(self.index_dir, self.settings.articles_dir)
            keep = {values.get("base", self.meta.get("base", "")), self.meta.get("base", "")}
            compact.remove_unused_bases(live.folder, keep)
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # a no-op while a reader holds an older snapshot
            return self._report(plan, applied, started, generation)
        finally:
            conn.close()

    def _apply(self, plan: Plan, writer: StoreWriter) -> Applied:
        for article in plan.removed:
            writer.delete_article(article.id)
        for file, article in plan.renamed:
            writer.move_article(article.id, file.relpath, file.mtime, file.size)
        for file, article_id in plan.touched:
            writer.move_article(article_id, file.relpath, file.mtime, file.size)
        jobs: list[tuple[ArticleFile, int | None]] = [(f, i) for f, i in plan.changed]
        jobs += [(f, None) for f in plan.added]
        applied = parse_embed_store(jobs, self.settings, self._need_embedder, writer, self.progress)
        writer.set_failures(plan.new_failures + applied.failed, plan.forget_failures)
        self.checkpoint("after-rows")
        return applied

    def _merge_if_due(self, conn: sqlite3.Connection, folder: Path, force: bool = False,
                      collected: PostingsBuilder | None = None) -> dict[str, str]:
        n_base = int(self.meta.get("base_passages", "0"))
        n_delta = conn.execute("SELECT count(*) FROM delta_terms").fetchone()[0]
        n_tombstones = conn.execute("SELECT count(*) FROM tombstones").fetchone()[0]
        n_passages = conn.execute("SELECT count(*) FROM passages").fetchone()[0]
        from .vectors import FLAT, choose_kind

        kind_changes = choose_kind(n_passages, self.settings.exact_index_max) != self.meta.get("faiss_kind", FLAT)
        if not (force or kind_changes or compact.merge_due(n_base, n_delta, n_tombstones)):
            return {}
        dimension = int(self.meta["dimension"]) if self.meta else self._need_embedder().dimension
        values = compact.merge(conn, folder, self.meta, dimension, self.settings.exact_index_max, collected)
        values["previous_base"] = self.meta.get("base", "")
        self.checkpoint("after-merge-write")
        return values

    # --- from scratch -----------------------------------------------------------------

    def _build(self, live: layout.Live | None, started: float) -> UpdateReport:
        embedder = self._need_embedder()
        generation = _generation_of(live) + 1
        epoch = layout.next_epoch(self.index_dir)
        temp = self.index_dir / f"epoch-{epoch}.tmp"
        if temp.exists():
            shutil.rmtree(temp)
        temp.mkdir(parents=True)
        swapped = False
        try:
            conn = connect_writer(temp / layout.STORE_NAME, bulk=True)
            try:
                create_schema(conn)
                writer = StoreWriter(conn, embedder.dimension, PostingsBuilder())
                plan = make_plan(self.settings.articles_dir, {}, self.settings, self.progress)
                conn.execute("BEGIN")
                applied = self._apply(plan, writer)
                self.meta = {}
                self._report_progress(0)
                values = self._merge_if_due(conn, temp, force=True, collected=writer.postings)
                values.update(self._meta_values(generation, True))
                values["created_at"] = values["updated_at"]
                write_meta(conn, values)
                conn.execute("COMMIT")
                compact_file(conn)
                conn.execute("PRAGMA journal_mode=WAL")
            finally:
                conn.close()
            for entry in temp.iterdir():
                if entry.is_file():
                    fsync_path(entry)
            fsync_path(temp)
            self.checkpoint("after-store")
            layout.publish(self.index_dir, temp, epoch)
            self.checkpoint("before-current-swap")
            layout.write_current(self.index_dir, epoch)
            swapped = True
            self.checkpoint("after-swap")
        except BaseException:
            if not swapped:
                shutil.rmtree(temp, ignore_errors=True)
                shutil.rmtree(layout.epoch_dir(self.index_dir, epoch), ignore_errors=True)
            raise
        self._report_progress(1)
        layout.remember_source(self.index_dir, self.settings.articles_dir)
        layout.remove_stale(self.index_dir, keep=epoch)
        return self._report(plan, applied, started, generation)

    # --- meta and report -----------------------------------------------------------------

    def _meta_values(self, generation: int, embedded: bool) -> dict[str, str]:
        now = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
        embedder = self.embedder
        values = {
            "format_version": str(FORMAT_VERSION),
            "articles_dir": str(self.settings.articles_dir),
            "generation": str(generation),
            "updated_at": now,
            "passage_vectors": self._passage_vectors(embedded),
        }
        if embedder is not None:
            values.update({"embedder": embedder.name, "dimension": str(embedder.dimension),
                           "backend": embedder.backend})
        return values

    def _passage_vectors(self, embedded: bool) -> str:
        """How the stored passage vectors were made: embed, mean, or mixed after an update that
        changed ``passage_vectors`` (harmless; ``index rebuild`` makes them uniform again)."""
        previous = self.meta.get("passage_vectors") if self.meta else None
        if previous is None or previous == self.settings.passage_vectors:
            return self.settings.passage_vectors
        return "mixed" if embedded else previous

    def _report_progress(self, done: int) -> None:
        if self.progress is not None:
            self.progress(UpdateProgress("write", done, 1))

    def _report(self, plan: Plan, applied: Applied, started: float, generation: int) -> UpdateReport:
        failed = plan.all_failed + [f for f, _, _ in applied.failed]
        return UpdateReport(
            added=applied.added,
            changed=applied.changed,
            removed=len(plan.removed),
            unchanged=plan.unchanged,
            failed=tuple(sorted(failed, key=lambda f: f.path)),
            seconds=time.perf_counter() - started,
            renamed=len(plan.renamed),
            generation=generation,
            moves=tuple(Move(article.path, file.relpath) for file, article in plan.renamed),
        )
