"""substring search index: post_gram_index bookkeeping and the dialect's gram table; engagement
in the posts' date index, so that date and engagement filters are answered from the index

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 18:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # a search filtered by dates and engagement reads the index, not the posts (3 GB at 1,000,000)
    op.drop_index("ix_posts_project_created", table_name="posts")
    op.create_index("ix_posts_project_created", "posts", ["project_id", "created_at", "engagement"])
    op.create_table(
        "post_gram_index",
        sa.Column("post_pk", sa.BigInteger(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("pipeline_version", sa.String(length=64), nullable=False),
        sa.Column("text_hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["post_pk"], ["posts.id"], name=op.f("fk_post_gram_index_post_pk_posts"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], name=op.f("fk_post_gram_index_project_id_projects"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("post_pk", name=op.f("pk_post_gram_index")),
    )
    op.create_index("ix_post_gram_index_project", "post_gram_index", ["project_id"])
    if op.get_bind().dialect.name == "sqlite":
        # the trigram tokenizer over corpus.query.gram_document: each trigram is a post's substring of one
        # or two characters, and a term is the phrase of its trigrams.  No copy of the text (contentless:
        # half the size; corpus.search.forget_texts deletes entries).
        op.execute("CREATE VIRTUAL TABLE post_grams USING fts5(grams, tokenize='trigram case_sensitive 1', "
                   "content='')")
        # Posts deleted or rewritten outside dazi (dazi itself never deletes posts, and takes a post out of
        # the index before an import rewrites it): their entries stay in the contentless table, which needs
        # the old text to delete them.  The project is marked for a rebuild of the index, which its next
        # search runs (corpus.search.index_grams).
        rebuild = ("UPDATE projects SET settings = json_set(json_remove(coalesce(settings, '{}'), "
                   "'$.substring_index'), '$.substring_index_rebuild', json('true')) WHERE id = OLD.project_id;")
        indexed = "EXISTS (SELECT 1 FROM post_gram_index WHERE post_pk = OLD.id)"
        op.execute(f"CREATE TRIGGER tr_posts_delete_substring_index BEFORE DELETE ON posts WHEN {indexed} "
                   f"BEGIN {rebuild} END")
        op.execute("CREATE TRIGGER tr_posts_update_substring_index AFTER UPDATE OF title, text ON posts "
                   f"WHEN (OLD.title IS NOT NEW.title OR OLD.text IS NOT NEW.text) AND {indexed} "
                   f"BEGIN {rebuild} END")
    else:
        # lexemes without positions, and the folded text (corpus.text.fold of title and text) on which LIKE
        # decides the candidates of a term the lexemes cannot (longer than two characters)
        op.execute(
            "CREATE TABLE post_grams (rowid BIGINT PRIMARY KEY REFERENCES posts(id) ON DELETE CASCADE, "
            "grams TSVECTOR NOT NULL, folded TEXT NOT NULL)"
        )
        op.execute("CREATE INDEX ix_post_grams_grams ON post_grams USING GIN (grams)")


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS tr_posts_delete_substring_index")
    op.execute("DROP TRIGGER IF EXISTS tr_posts_update_substring_index")
    op.execute("DROP TABLE IF EXISTS post_grams")
    op.drop_index("ix_post_gram_index_project", table_name="post_gram_index")
    op.drop_table("post_gram_index")
    op.drop_index("ix_posts_project_created", table_name="posts")
    op.create_index("ix_posts_project_created", "posts", ["project_id", "created_at"])
