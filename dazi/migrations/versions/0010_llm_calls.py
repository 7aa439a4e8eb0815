"""language-model coders: every prompt and raw reply (llm_prompts, llm_calls)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 05:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "llm_prompts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("model_id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["model_id"], ["models.id"], name=op.f("fk_llm_prompts_model_id_models"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_llm_prompts")),
        sa.UniqueConstraint("model_id", "digest", name="uq_llm_prompts_model_digest"),
    )
    op.create_table(
        "llm_calls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("model_id", sa.Integer(), nullable=False),
        sa.Column("model_version", sa.Integer(), nullable=False),
        sa.Column("model_name", sa.String(length=200), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("post_pk", sa.BigInteger(), nullable=True),
        sa.Column("post_id", sa.String(length=200), nullable=False),
        sa.Column("variables", sa.JSON(), nullable=False),
        sa.Column("system_prompt_id", sa.Integer(), nullable=False),
        sa.Column("prompt", sa.Text(), nullable=False),
        sa.Column("reply", sa.Text(), nullable=True),
        sa.Column("parsed", sa.JSON(), nullable=True),
        sa.Column("latency_ms", sa.Float(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], name=op.f("fk_llm_calls_project_id_projects"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["model_id"], ["models.id"], name=op.f("fk_llm_calls_model_id_models"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["post_pk"], ["posts.id"], name=op.f("fk_llm_calls_post_pk_posts"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["system_prompt_id"], ["llm_prompts.id"],
                                name=op.f("fk_llm_calls_system_prompt_id_llm_prompts"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_llm_calls")),
    )
    op.create_index("ix_llm_calls_model_post", "llm_calls", ["model_id", "post_pk"])


def downgrade() -> None:
    op.drop_index("ix_llm_calls_model_post", table_name="llm_calls")
    op.drop_table("llm_calls")
    op.drop_table("llm_prompts")
