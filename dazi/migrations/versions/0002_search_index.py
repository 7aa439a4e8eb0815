"""search index: post_index bookkeeping and the dialect's full-text table

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 08:20:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "post_index",
        sa.Column("post_pk", sa.BigInteger(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("pipeline_version", sa.String(length=64), nullable=False),
        sa.Column("text_hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["post_pk"], ["posts.id"], name=op.f("fk_post_index_post_pk_posts"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], name=op.f("fk_post_index_project_id_projects"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("post_pk", name=op.f("pk_post_index")),
    )
    op.create_index("ix_post_index_project", "post_index", ["project_id"])
    if op.get_bind().dialect.name == "sqlite":
        # one FTS5 token per dazi token: the document is space-joined tokens (corpus.query.index_text)
        op.execute("CREATE VIRTUAL TABLE post_fts USING fts5(words, tokenize='unicode61 remove_diacritics 0')")
    else:
        op.execute(
            "CREATE TABLE post_fts (rowid BIGINT PRIMARY KEY REFERENCES posts(id) ON DELETE CASCADE, "
            "words TSVECTOR NOT NULL)"
        )
        op.execute("CREATE INDEX ix_post_fts_words ON post_fts USING GIN (words)")


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS post_fts")
    op.drop_index("ix_post_index_project", table_name="post_index")
    op.drop_table("post_index")
