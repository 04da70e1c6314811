"""Documents, their revisions and knowledge-base versions in SQL (SQLAlchemy 2; SQLite or PostgreSQL).

Tables (prefixed kb_ so they can share a database with other services):
  kb_documents          the live state of every document (deleted ones kept as tombstones)
  kb_document_revisions every content a document has ever had
  kb_versions           each index build: number, status (building / ready / failed), counts, note
  kb_version_documents  which revision of which document a version contains (so any version can be rebuilt)
  kb_state              the version being served
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, Boolean, Float, Integer, String, Text, create_engine, delete, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from knowledge.documents import Document


class Base(DeclarativeBase):
    pass


_SAME_NAMED = ("type", "title", "body", "url", "language", "source")
"""The content columns named as the Document fields they hold (the metadata column is the `meta` attribute)."""


def _content(holder: Document | _DocumentContent, meta: dict[str, Any], digest: str) -> dict[str, Any]:
    """The content columns' values: those of `holder` (a document or a row), `meta` and the hash `digest`."""
    return {**{name: getattr(holder, name) for name in _SAME_NAMED}, "meta": meta, "content_hash": digest}


class _DocumentContent:
    """The columns a document's content is stored in, shared by its live row and its revisions."""

    type: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    url: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(16), default="en")
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, default=dict)
    content_hash: Mapped[str] = mapped_column(String(64))
    source: str

    def document(self, doc_id: str) -> Document:
        return Document(
            id=doc_id, metadata=dict(self.meta or {}), **{name: getattr(self, name) for name in _SAME_NAMED}
        )


class DocumentRow(_DocumentContent, Base):
    __tablename__ = "kb_documents"
    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    source: Mapped[str] = mapped_column(String(200), default="api", index=True)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    updated_at: Mapped[float] = mapped_column(Float)

    def to_document(self) -> Document:
        return self.document(self.id)


class RevisionRow(_DocumentContent, Base):
    __tablename__ = "kb_document_revisions"
    doc_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    revision: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(200), default="api")
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[float] = mapped_column(Float)

    def to_document(self) -> Document:
        return self.document(self.doc_id)


class VersionRow(Base):
    __tablename__ = "kb_versions"
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[float] = mapped_column(Float)
    finished_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    embedder: Mapped[str] = mapped_column(String(200), default="")
    documents: Mapped[int] = mapped_column(Integer, default=0)
    chunks: Mapped[int] = mapped_column(Integer, default=0)


class VersionDocRow(Base):
    __tablename__ = "kb_version_documents"
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    doc_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    revision: Mapped[int] = mapped_column(Integer)


class StateRow(Base):
    __tablename__ = "kb_state"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        Path(url[len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)
        # Several processes (service replicas, the CLI) share the file: wait for locks instead of failing.
        return create_engine(url, connect_args={"timeout": 30})
    return create_engine(url, pool_pre_ping=True)


class KnowledgeStore:
    """All SQL access of the knowledge base. Each public method is one transaction."""

    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        Base.metadata.create_all(self.engine)
        self._session = sessionmaker(self.engine, expire_on_commit=False)

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._session() as session, session.begin():
            yield session

    # documents -------------------------------------------------------------------------------------

    def get(self, doc_id: str) -> Document | None:
        with self.session() as s:
            row = s.get(DocumentRow, doc_id)
            return None if row is None or row.deleted else row.to_document()

    def count(self) -> int:
        with self.session() as s:
            live = select(func.count()).select_from(DocumentRow).where(DocumentRow.deleted.is_(False))
            return int(s.execute(live).scalar_one())

    def live_documents(self) -> list[Document]:
        with self.session() as s:
            rows = s.scalars(select(DocumentRow).where(DocumentRow.deleted.is_(False)).order_by(DocumentRow.id))
            return [r.to_document() for r in rows]

    def upsert(self, docs: Sequence[Document]) -> int:
        """Writes new content for each document; returns how many actually changed."""
        with self.session() as s:
            return sum(self._put(s, doc) for doc in docs)

    def delete(self, doc_id: str) -> bool:
        with self.session() as s:
            return self._remove(s, doc_id)

    def sync_source(self, source: str, docs: Sequence[Document]) -> int:
        """Makes the documents of `source` exactly `docs` (new, changed and removed ones); returns changes."""
        with self.session() as s:
            changed = sum(self._put(s, doc) for doc in docs)
            keep = {d.id for d in docs}
            stale = s.scalars(
                select(DocumentRow.id).where(DocumentRow.source == source, DocumentRow.deleted.is_(False))
            ).all()
            changed += sum(self._remove(s, doc_id) for doc_id in stale if doc_id not in keep)
            return changed

    def _put(self, s: Session, doc: Document) -> bool:
        digest = doc.content_hash()
        row = s.get(DocumentRow, doc.id)
        if row is not None and not row.deleted and row.content_hash == digest and row.source == doc.source:
            return False
        revision = 1 if row is None else row.revision + 1
        now = time.time()
        values = _content(doc, doc.metadata, digest)
        if row is None:
            s.add(DocumentRow(id=doc.id, revision=revision, deleted=False, updated_at=now, **values))
        else:
            for key, value in values.items():
                setattr(row, key, value)
            row.revision, row.deleted, row.updated_at = revision, False, now
        s.add(RevisionRow(doc_id=doc.id, revision=revision, deleted=False, created_at=now, **values))
        return True

    def _remove(self, s: Session, doc_id: str) -> bool:
        row = s.get(DocumentRow, doc_id)
        if row is None or row.deleted:
            return False
        row.revision += 1
        row.deleted = True
        row.updated_at = time.time()
        s.add(
            RevisionRow(
                doc_id=row.id,
                revision=row.revision,
                deleted=True,
                created_at=row.updated_at,
                **_content(row, row.meta, row.content_hash),
            )
        )
        return True

    # versions --------------------------------------------------------------------------------------

    def begin_version(self, note: str, embedder: str) -> tuple[int, list[Document]]:
        """Records a new version holding the current revision of every live document."""
        with self.session() as s:
            version = int(s.execute(select(func.coalesce(func.max(VersionRow.version), 0))).scalar_one()) + 1
            rows = s.scalars(select(DocumentRow).where(DocumentRow.deleted.is_(False)).order_by(DocumentRow.id)).all()
            s.add(
                VersionRow(
                    version=version,
                    status="building",
                    created_at=time.time(),
                    note=note,
                    embedder=embedder,
                    documents=len(rows),
                )
            )
            s.flush()
            s.add_all([VersionDocRow(version=version, doc_id=r.id, revision=r.revision) for r in rows])
            return version, [r.to_document() for r in rows]

    def finish_version(self, version: int, status: str, chunks: int = 0) -> None:
        with self.session() as s:
            row = s.get(VersionRow, version)
            if row is not None:
                row.status, row.finished_at, row.chunks = status, time.time(), chunks
            if status == "ready":
                self._set_state(s, "current_version", str(version))

    def documents_at(self, version: int) -> list[Document]:
        with self.session() as s:
            rows = s.scalars(
                select(RevisionRow)
                .join(
                    VersionDocRow,
                    (VersionDocRow.doc_id == RevisionRow.doc_id) & (VersionDocRow.revision == RevisionRow.revision),
                )
                .where(VersionDocRow.version == version)
                .order_by(RevisionRow.doc_id)
            ).all()
            return [r.to_document() for r in rows]

    def version_info(self, version: int) -> dict[str, Any] | None:
        with self.session() as s:
            row = s.get(VersionRow, version)
            return None if row is None else _version_dict(row)

    def versions(self) -> list[dict[str, Any]]:
        with self.session() as s:
            return [_version_dict(r) for r in s.scalars(select(VersionRow).order_by(VersionRow.version.desc()))]

    def current_version(self) -> int | None:
        with self.session() as s:
            row = s.get(StateRow, "current_version")
            return int(row.value) if row is not None else None

    def set_current_version(self, version: int) -> None:
        with self.session() as s:
            self._set_state(s, "current_version", str(version))

    def live_matches_version(self, version: int) -> bool:
        """True when the live documents are exactly those (same revisions) of `version`."""
        with self.session() as s:
            live = dict(
                s.execute(select(DocumentRow.id, DocumentRow.revision).where(DocumentRow.deleted.is_(False))).all()
            )
            recorded = dict(
                s.execute(
                    select(VersionDocRow.doc_id, VersionDocRow.revision).where(VersionDocRow.version == version)
                ).all()
            )
            return live == recorded

    def restore_documents(self, version: int) -> int:
        """Makes the live documents equal to the content of `version` (as new revisions); returns changes."""
        target = {d.id: d for d in self.documents_at(version)}
        with self.session() as s:
            changed = sum(self._put(s, doc) for doc in target.values())
            live = s.scalars(select(DocumentRow.id).where(DocumentRow.deleted.is_(False))).all()
            changed += sum(self._remove(s, doc_id) for doc_id in live if doc_id not in target)
            return changed

    def fail_stale_builds(self, older_than_s: float = 3600) -> None:
        with self.session() as s:
            for row in s.scalars(select(VersionRow).where(VersionRow.status == "building")):
                if time.time() - row.created_at > older_than_s:
                    row.status = "failed"

    def delete_all(self) -> None:
        """Test helper: empties every table."""
        with self.session() as s:
            for model in (VersionDocRow, VersionRow, RevisionRow, DocumentRow, StateRow):
                s.execute(delete(model))

    @staticmethod
    def _set_state(s: Session, key: str, value: str) -> None:
        row = s.get(StateRow, key)
        if row is None:
            s.add(StateRow(key=key, value=value))
        else:
            row.value = value


def _version_dict(row: VersionRow) -> dict[str, Any]:
    return {
        "version": row.version,
        "status": row.status,
        "created_at": row.created_at,
        "finished_at": row.finished_at,
        "note": row.note,
        "embedder": row.embedder,
        "documents": row.documents,
        "chunks": row.chunks,
    }
