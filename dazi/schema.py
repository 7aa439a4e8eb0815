"""The database schema, defined once.

Every table lives in :data:`metadata`; Alembic migrations in
``dazi/migrations/versions`` build it (tests too), so a database made by an
older dazi is upgraded, never misread.  One database holds several named
projects; every row belongs to one project.

Post ids from the platforms are strings (``posts.post_id``); other tables
refer to a post by its surrogate key ``posts.id`` (``post_pk``).

Codings are stored twice on purpose: ``coding_events`` is the append-only
history (who, when, old and new value, codebook version) and ``codings`` /
``coding_units`` hold the current state, updated in the same transaction, so
the history can be replayed and the present read by key.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

#: Integer primary key that is a rowid alias on SQLite and a BIGINT elsewhere.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend.

    SQLite has no time zones: values are stored as naive UTC and made aware
    again on the way out, so callers always get aware UTC datetimes.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use an aware datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    """The current time as an aware UTC datetime."""
    return datetime.now(UTC)


def _project_fk() -> Column:
    return Column(
        "project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False
    )


projects = Table(
    "projects",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("blind", Boolean, nullable=False, default=True),
    Column("salt", String(64), nullable=False),
    Column("settings", JSON, nullable=False, default=dict),
)

imports = Table(
    "imports",
    metadata,
    Column("id", Integer, primary_key=True),
    _project_fk(),
    Column("created_at", UTCDateTime, nullable=False),
    Column("files", JSON, nullable=False),
    Column("report", JSON, nullable=False),
)

posts = Table(
    "posts",
    metadata,
    Column("id", BigId, primary_key=True),
    _project_fk(),
    Column("platform", String(20), nullable=False),
    Column("post_id", String(200), nullable=False),
    Column("url", Text),
    Column("title", Text),
    Column("text", Text, nullable=False, default=""),
    Column("author_id", String(200)),
    Column("author_name", Text),
    Column("created_at", UTCDateTime),
    Column("location", String(200)),
    Column("likes", BigInteger),
    Column("collects", BigInteger),
    Column("comments", BigInteger),
    Column("shares", BigInteger),
    Column("engagement", BigInteger),
    Column("counts_approximate", Boolean, nullable=False, default=False),
    Column("counts_raw", JSON),
    Column("hashtags", JSON),
    Column("mentions", JSON),
    Column("source_keywords", JSON),
    Column("lang", String(10)),
    Column("status", String(20), nullable=False, default="ok"),
    Column("crawled_at", UTCDateTime),
    Column("raw", JSON),
    Column("import_id", Integer, ForeignKey("imports.id", ondelete="SET NULL")),
    UniqueConstraint("project_id", "platform", "post_id", name="uq_posts_project_platform_post"),
    Index("ix_posts_project_created", "project_id", "created_at", "engagement"),
)

comments = Table(
    "comments",
    metadata,
    Column("id", BigId, primary_key=True),
    _project_fk(),
    Column("platform", String(20), nullable=False),
    Column("post_id", String(200), nullable=False),
    Column("comment_id", String(200), nullable=False),
    Column("parent_comment_id", String(200)),
    Column("text", Text, nullable=False, default=""),
    Column("author_id", String(200)),
    Column("author_name", Text),
    Column("created_at", UTCDateTime),
    Column("location", String(200)),
    Column("likes", BigInteger),
    Column("raw", JSON),
    UniqueConstraint("project_id", "platform", "comment_id", name="uq_comments_project_platform_comment"),
    Index("ix_comments_post", "project_id", "platform", "post_id"),
)

samples = Table(
    "samples",
    metadata,
    Column("id", Integer, primary_key=True),
    _project_fk(),
    Column("name", String(200), nullable=False),
    Column("method", String(50), nullable=False),
    Column("params", JSON, nullable=False),
    Column("seed", BigInteger),
    Column("size", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("project_id", "name", name="uq_samples_project_name"),
)

sample_posts = Table(
    "sample_posts",
    metadata,
    Column("sample_id", Integer, ForeignKey("samples.id", ondelete="CASCADE"), nullable=False),
    Column("post_pk", BigInteger, ForeignKey("posts.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    PrimaryKeyConstraint("sample_id", "post_pk"),
)

codebook_versions = Table(
    "codebook_versions",
    metadata,
    Column("id", Integer, primary_key=True),
    _project_fk(),
    Column("version", Integer, nullable=False),
    Column("name", String(300), nullable=False),
    Column("content", JSON, nullable=False),
    Column("changes", JSON, nullable=False, default=list),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(100)),
    UniqueConstraint("project_id", "version", name="uq_codebook_versions_project_version"),
)

coders = Table(
    "coders",
    metadata,
    Column("id", Integer, primary_key=True),
    _project_fk(),
    Column("name", String(100), nullable=False),
    Column("role", String(20), nullable=False, default="coder"),
    Column("passcode_hash", String(300)),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", UTCDateTime, nullable=False),
    # "human", or "machine" for a model coding as ``model:NAME`` (coding.machine); machine coders never
    # sign in and their codings live in machine_codings, apart from the human codings
    Column("kind", String(20), nullable=False, default="human", server_default="human"),
    UniqueConstraint("project_id", "name", name="uq_coders_project_name"),
)

login_attempts = Table(
    "login_attempts",
    metadata,
    Column("id", BigId, primary_key=True),
    # every attempt, also for names that are no coder's, so that the slow-down does not tell which names exist
    Column("coder_id", Integer, ForeignKey("coders.id", ondelete="CASCADE")),
    Column("at", UTCDateTime, nullable=False),
    Column("success", Boolean, nullable=False),
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE")),
    Column("name", String(100)),
    Index("ix_login_attempts_coder_at", "coder_id", "at"),
    Index("ix_login_attempts_name_at", "project_id", "name", "at"),
)

assignments = Table(
    "assignments",
    metadata,
    Column("id", BigId, primary_key=True),
    _project_fk(),
    Column("coder_id", Integer, ForeignKey("coders.id", ondelete="CASCADE"), nullable=False),
    Column("post_pk", BigInteger, ForeignKey("posts.id", ondelete="CASCADE"), nullable=False),
    Column("sample_id", Integer, ForeignKey("samples.id", ondelete="SET NULL")),
    Column("position", Integer, nullable=False),
    Column("overlap", Boolean, nullable=False, default=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("coder_id", "post_pk", name="uq_assignments_coder_post"),
    Index("ix_assignments_coder_position", "coder_id", "position"),
    Index("ix_assignments_project_post", "project_id", "post_pk"),
    # a coder's order (coding.assignments._ORDER): next/previous post and pages stop early
    Index("ix_assignments_coder_order", "coder_id", "sample_id", "position", "post_pk"),
)

coding_events = Table(
    "coding_events",
    metadata,
    Column("id", BigId, primary_key=True),
    _project_fk(),
    Column("post_pk", BigInteger, ForeignKey("posts.id", ondelete="CASCADE"), nullable=False),
    Column("coder_id", Integer, ForeignKey("coders.id", ondelete="CASCADE"), nullable=False),
    # "value" (a variable's value), "memo", "uncertain", "seconds", "adjudication"
    Column("field", String(20), nullable=False),
    Column("variable", String(100)),
    Column("value", JSON),
    Column("old_value", JSON),
    Column("note", Text),
    Column("codebook_version", Integer),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_coding_events_post_coder", "project_id", "post_pk", "coder_id"),
)

codings = Table(
    "codings",
    metadata,
    _project_fk(),
    Column("post_pk", BigInteger, ForeignKey("posts.id", ondelete="CASCADE"), nullable=False),
    Column("coder_id", Integer, ForeignKey("coders.id", ondelete="CASCADE"), nullable=False),
    Column("variable", String(100), nullable=False),
    Column("value", JSON),
    Column("codebook_version", Integer),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("event_id", BigInteger, nullable=False),
    PrimaryKeyConstraint("post_pk", "coder_id", "variable"),
    Index("ix_codings_project_variable", "project_id", "variable"),
)

coding_units = Table(
    "coding_units",
    metadata,
    _project_fk(),
    Column("post_pk", BigInteger, ForeignKey("posts.id", ondelete="CASCADE"), nullable=False),
    Column("coder_id", Integer, ForeignKey("coders.id", ondelete="CASCADE"), nullable=False),
    Column("memo", Text),
    Column("uncertain", Boolean, nullable=False, default=False),
    Column("seconds", Float, nullable=False, default=0.0),
    Column("done", Boolean, nullable=False, default=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # whether keyword hints were shown when the coder last saved (None: not recorded; coding.hints)
    Column("hints", Boolean),
    PrimaryKeyConstraint("post_pk", "coder_id"),
    Index("ix_coding_units_coder", "coder_id", "done"),
)

adjudications = Table(
    "adjudications",
    metadata,
    Column("id", BigId, primary_key=True),
    _project_fk(),
    Column("post_pk", BigInteger, ForeignKey("posts.id", ondelete="CASCADE"), nullable=False),
    Column("variable", String(100), nullable=False),
    Column("value", JSON),
    Column("rationale", Text),
    Column("adjudicator_id", Integer, ForeignKey("coders.id", ondelete="SET NULL")),
    Column("codebook_version", Integer),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_adjudications_post_variable", "project_id", "post_pk", "variable"),
)

token_cache = Table(
    "token_cache",
    metadata,
    Column("text_hash", String(64), nullable=False),
    Column("pipeline_version", String(64), nullable=False),
    Column("tokens", JSON, nullable=False),
    PrimaryKeyConstraint("text_hash", "pipeline_version"),
)

post_index = Table(
    "post_index",
    metadata,
    Column("post_pk", BigInteger, ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True),
    _project_fk(),
    Column("pipeline_version", String(64), nullable=False),
    Column("text_hash", String(64), nullable=False),
    Index("ix_post_index_project", "project_id"),
)
"""Which posts the search index holds, under which text pipeline and text.

The index itself is dialect-specific and lives outside this metadata (see
migration 0002 and :mod:`corpus.search`): an FTS5 table ``post_fts`` on
SQLite, a ``tsvector`` table ``post_fts`` with a GIN index on PostgreSQL.
"""

post_gram_index = Table(
    "post_gram_index",
    metadata,
    Column("post_pk", BigInteger, ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True),
    _project_fk(),
    Column("pipeline_version", String(64), nullable=False),
    Column("text_hash", String(64), nullable=False),
    Index("ix_post_gram_index_project", "project_id"),
)
"""Which posts the substring index holds, under which gram scheme and text.

As for :data:`post_index`, the index itself is dialect-specific (migration
0005, :mod:`corpus.search`): an FTS5 table ``post_grams`` of character
bigrams on SQLite, a ``tsvector`` table ``post_grams`` with a GIN index on
PostgreSQL.
"""


models = Table(
    "models",
    metadata,
    Column("id", Integer, primary_key=True),
    _project_fk(),
    Column("name", String(200), nullable=False),
    Column("version", Integer, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("coder_id", Integer, ForeignKey("coders.id", ondelete="SET NULL")),
    Column("codebook_version", Integer, nullable=False),
    Column("settings", JSON, nullable=False),
    Column("training", JSON, nullable=False),
    Column("metrics", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("project_id", "name", name="uq_models_project_name"),
)
"""Trained machine coders (:mod:`coding.machine`): one row per name, its version raised by each retraining.

``training`` holds the training posts' ids, ``metrics`` the validation
report, ``settings`` the learner's settings; the fitted parameters are plain
arrays in :data:`model_arrays`, never a pickle.
"""

model_arrays = Table(
    "model_arrays",
    metadata,
    Column("model_id", Integer, ForeignKey("models.id", ondelete="CASCADE"), nullable=False),
    Column("key", String(300), nullable=False),
    Column("data", LargeBinary, nullable=False),
    PrimaryKeyConstraint("model_id", "key"),
)
"""A model's parameters: each a NumPy ``.npy`` file's bytes (read with ``allow_pickle=False``)."""

machine_codings = Table(
    "machine_codings",
    metadata,
    Column("model_id", Integer, ForeignKey("models.id", ondelete="CASCADE"), nullable=False),
    Column("post_pk", BigInteger, ForeignKey("posts.id", ondelete="CASCADE"), nullable=False),
    _project_fk(),
    Column("codes", JSON, nullable=False),
    Column("probabilities", JSON, nullable=False),
    Column("uncertainty", Float, nullable=False),
    Column("model_version", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("model_id", "post_pk"),
    Index("ix_machine_codings_uncertainty", "model_id", "uncertainty"),
)
"""A machine coder's codes of the posts no human coded, kept apart from ``codings``.

So they never reach blind coders, adjudication or human reliability; reports
read them only when asked (``--with-model``) and mark each value ``machine``.
"""

llm_prompts = Table(
    "llm_prompts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("model_id", Integer, ForeignKey("models.id", ondelete="CASCADE"), nullable=False),
    Column("digest", String(64), nullable=False),
    Column("text", Text, nullable=False),
    UniqueConstraint("model_id", "digest", name="uq_llm_prompts_model_digest"),
)
"""The system prompts (the codebook as instructions) a language-model coder was sent, each stored once."""

llm_calls = Table(
    "llm_calls",
    metadata,
    Column("id", Integer, primary_key=True),
    _project_fk(),
    Column("model_id", Integer, ForeignKey("models.id", ondelete="CASCADE"), nullable=False),
    Column("model_version", Integer, nullable=False),
    Column("model_name", String(200), nullable=False),
    Column("purpose", String(20), nullable=False),
    Column("post_pk", BigInteger, ForeignKey("posts.id", ondelete="SET NULL")),
    Column("post_id", String(200), nullable=False),
    Column("variables", JSON, nullable=False),
    Column("system_prompt_id", Integer, ForeignKey("llm_prompts.id", ondelete="CASCADE"), nullable=False),
    Column("prompt", Text, nullable=False),
    Column("reply", Text),
    Column("parsed", JSON),
    Column("latency_ms", Float),
    Column("attempts", Integer, nullable=False),
    Column("error", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_llm_calls_model_post", "model_id", "post_pk"),
)
"""Every call a language-model coder (:mod:`coding.machine.llm`) made: the post, the variables asked,
the prompt (the post's message; the system prompt in :data:`llm_prompts`), the raw reply, the parsed
values, latency, attempts and error.  Written with the validation or the batch of codings it served,
in the same transaction, so a failed run leaves no calls and no codes behind.
"""
