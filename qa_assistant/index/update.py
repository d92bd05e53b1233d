"""``update_index``: bring an index in line with its articles folder, atomically.

Each update that changes anything builds ``gen-<n+1>.tmp/`` (a copy of the live
store made with the SQLite backup API, the diff applied, FAISS written, all
fsynced), renames it to ``gen-<n+1>/`` and then swaps ``CURRENT``.  Until that
swap readers see generation n whole; after it, generation n+1 whole.  A crash
or kill at any point leaves CURRENT on a complete generation; the next update
deletes the leftovers and redoes the work.  The previous generation is kept one
round for readers that still hold it; older ones are deleted.

A file that fails to read or parse keeps its previously indexed version (a
half-written save never loses an article) and is reported in ``failed``.
"""

from __future__ import annotations

import datetime as _dt
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config import Settings
from ..errors import EmbedderMismatchError, IndexCorruptError
from ..ingest import ArticleFile
from ..models import UpdateProgress, UpdateReport
from . import layout, vectors
from .apply import Applied, embed_and_store, parse_files
from .lock import WriterLock
from .plan import Plan, make_plan
from .reader import check_embedder, open_generation
from .store import FORMAT_VERSION, StoreWriter, copy_store, create_store, write_meta

if TYPE_CHECKING:
    from ..embedding.embedder import Embedder

Checkpoint = Callable[[str], None]
"""Called with the name of each step of the swap (tests use it to crash at exact points)."""

CHECKPOINTS = ("after-copy", "after-store", "after-faiss-write", "before-current-swap", "after-swap")


def update_index(settings: Settings, embedder: Embedder | None = None, *, rebuild: bool = False,
                 progress: Callable[[UpdateProgress], None] | None = None,
                 checkpoint: Checkpoint | None = None) -> UpdateReport:
    """Add, change, move and remove articles so the index mirrors ``settings.articles_dir``.

    ``rebuild`` starts from an empty store (still atomically).  ``embedder`` is loaded
    from ``settings`` only if something needs embedding.  Raises IndexLockedError when
    another update runs, IndexCorruptError / EmbedderMismatchError (naming
    ``qa-assistant index rebuild``) when the live index cannot be extended, and
    IngestError when the articles folder is missing.
    """
    started = time.perf_counter()
    with WriterLock(settings.index_dir):
        job = _Update(settings, embedder, rebuild, progress, checkpoint or (lambda name: None))
        return job.run(started)


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
        self.faiss_index: Any = None

    def run(self, started: float) -> UpdateReport:
        current = self._current()
        layout.remove_stale(self.index_dir, keep=self._live_and_previous(current))
        stored = {}
        if current is not None and not self.rebuild:
            conn, self.meta, self.faiss_index = open_generation(self.index_dir, current)
            try:
                stored = StoreWriter(conn, int(self.meta["dimension"])).stored_articles()
            finally:
                conn.close()
            if self.embedder is not None:
                self._check_embedder()
        plan = make_plan(self.settings.articles_dir, stored, self.settings, self.progress)
        same_folder = self.meta.get("articles_dir") == str(self.settings.articles_dir)
        if current is not None and not self.rebuild and plan.is_empty and same_folder:
            return self._report(plan, Applied(), started, current)
        applied, generation = self._build(plan, current)
        return self._report(plan, applied, started, generation)

    def _live_and_previous(self, current: int | None) -> set[int]:
        """The generations a reader may still hold: the live one and the one before it."""
        if current is None:
            return set()
        older = [n for n, temp in layout.existing_generations(self.index_dir) if not temp and n < current]
        return {current, *older[-1:]}

    def _current(self) -> int | None:
        try:
            return layout.read_current(self.index_dir)
        except IndexCorruptError:
            if self.rebuild:
                return None
            raise

    def _check_embedder(self) -> None:
        assert self.embedder is not None
        check_embedder(self.index_dir, self.meta, self.embedder.name)
        if self.meta and int(self.meta["dimension"]) != self.embedder.dimension:
            raise EmbedderMismatchError(
                f"index {self.index_dir} holds {self.meta['dimension']}-dimensional vectors, the embedder makes "
                f"{self.embedder.dimension}; {layout.rebuild_hint(self.index_dir)}"
            )

    def _need_embedder(self) -> Embedder:
        if self.embedder is None:
            from ..embedding.embedder import load_embedder

            self.embedder = load_embedder(self.settings)
            if self.meta:
                self._check_embedder()
        return self.embedder

    def _build(self, plan: Plan, current: int | None) -> tuple[Applied, int]:
        needs_model = bool(plan.added or plan.changed) or not self.meta
        embedder = self._need_embedder() if needs_model else None
        generation = layout.next_generation(self.index_dir)
        temp = layout.temp_dir(self.index_dir, generation)
        temp.mkdir(parents=True)
        published = swapped = False
        try:
            applied = self._write_generation(plan, current, temp, generation, embedder)
            layout.publish(self.index_dir, temp, generation)
            published = True
            self.checkpoint("before-current-swap")
            layout.write_current(self.index_dir, generation)
            swapped = True
            self.checkpoint("after-swap")
        except BaseException:
            if not swapped:
                shutil.rmtree(layout.generation_dir(self.index_dir, generation) if published else temp,
                              ignore_errors=True)
            raise
        layout.remove_stale(self.index_dir, keep={generation} | ({current} if current is not None else set()))
        return applied, generation

    def _write_generation(self, plan: Plan, current: int | None, temp: Path, generation: int,
                          embedder: Embedder | None) -> Applied:
        store_path = temp / layout.STORE_NAME
        incremental = current is not None and not self.rebuild
        dimension = embedder.dimension if embedder is not None else int(self.meta["dimension"])
        if current is not None and incremental:
            conn = copy_store(layout.generation_dir(self.index_dir, current) / layout.STORE_NAME, store_path)
        else:
            conn = create_store(store_path)
        try:
            self.checkpoint("after-copy")
            writer = StoreWriter(conn, dimension)
            removed_ids: list[int] = []
            for article in plan.removed:
                removed_ids.extend(writer.delete_article(article.id))
            for file, article_id in plan.renamed + plan.touched:
                writer.move_article(article_id, file.relpath, file.mtime, file.size)
            jobs: list[tuple[ArticleFile, int | None]] = [(f, i) for f, i in plan.changed]
            jobs += [(f, None) for f in plan.added]
            docs, failed = parse_files(jobs, self.settings, self.progress)
            applied = Applied()
            if docs:
                assert embedder is not None  # loaded whenever files are to be parsed
                applied = embed_and_store(docs, embedder, writer, self.progress, self.settings.passage_vectors)
            applied.failed = failed
            removed_ids.extend(applied.old_passage_ids)
            self._report_progress(0)
            index, spec = self._faiss(writer, incremental, removed_ids, applied.new_passage_ids)
            write_meta(conn, self._meta_values(embedder, dimension, spec, generation, bool(docs)))
            conn.commit()
            self.checkpoint("after-store")
        finally:
            conn.close()
        vectors.write(index, temp / layout.FAISS_NAME)
        self.checkpoint("after-faiss-write")
        layout.fsync_tree(temp)
        self._report_progress(1)
        return applied

    def _faiss(self, writer: StoreWriter, incremental: bool, removed_ids: list[int],
               new_ids: list[int]) -> tuple[Any, vectors.FaissSpec]:
        n_after = writer.conn.execute("SELECT count(*) FROM passages").fetchone()[0]
        limit = self.settings.exact_index_max
        if incremental:
            spec = vectors.FaissSpec.from_meta(self.meta)
            if not vectors.needs_rebuild(spec, n_after, limit):
                vectors.apply_changes(self.faiss_index, removed_ids, new_ids, writer.vectors_for(new_ids))
                return self.faiss_index, spec
        ids, matrix = writer.passage_matrix()
        return vectors.build(ids, matrix, writer.dimension, limit)

    def _meta_values(self, embedder: Embedder | None, dimension: int, spec: vectors.FaissSpec,
                     generation: int, embedded: bool) -> dict[str, str]:
        now = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
        values = {
            "format_version": str(FORMAT_VERSION),
            "embedder": embedder.name if embedder is not None else self.meta["embedder"],
            "dimension": str(dimension),
            "backend": embedder.backend if embedder is not None else self.meta.get("backend", ""),
            "articles_dir": str(self.settings.articles_dir),
            "generation": str(generation),
            "created_at": self.meta.get("created_at", now) if not self.rebuild else now,
            "updated_at": now,
            "passage_vectors": self._passage_vectors(embedded),
        }
        values.update(spec.to_meta())
        return values

    def _passage_vectors(self, embedded: bool) -> str:
        """How the stored passage vectors were made: embed, mean, or mixed after an update that
        changed ``passage_vectors`` (harmless; ``index rebuild`` makes them uniform again)."""
        previous = self.meta.get("passage_vectors", "embed") if self.meta and not self.rebuild else None
        if previous is None or previous == self.settings.passage_vectors:
            return self.settings.passage_vectors
        return "mixed" if embedded else previous

    def _report_progress(self, done: int) -> None:
        if self.progress is not None:
            self.progress(UpdateProgress("write", done, 1))

    def _report(self, plan: Plan, applied: Applied, started: float, generation: int) -> UpdateReport:
        return UpdateReport(
            added=applied.added,
            changed=applied.changed,
            removed=len(plan.removed),
            unchanged=plan.unchanged,
            failed=tuple(sorted(plan.failed + applied.failed, key=lambda f: f.path)),
            seconds=time.perf_counter() - started,
            renamed=len(plan.renamed),
            generation=generation,
        )
