"""machine coders: coders.kind, trained models with their plain arrays, and machine codings

Revision ID: 0009
Revises: 0007
Create Date: 2026-12-07 02:15:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("coders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=20), nullable=False, server_default="human"))
    op.create_table(
        "models",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("coder_id", sa.Integer(), nullable=True),
        sa.Column("codebook_version", sa.Integer(), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("training", sa.JSON(), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], name=op.f("fk_models_project_id_projects"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["coder_id"], ["coders.id"], name=op.f("fk_models_coder_id_coders"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_models")),
        sa.UniqueConstraint("project_id", "name", name="uq_models_project_name"),
    )
    op.create_table(
        "model_arrays",
        sa.Column("model_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["model_id"], ["models.id"], name=op.f("fk_model_arrays_model_id_models"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("model_id", "key", name=op.f("pk_model_arrays")),
    )
    op.create_table(
        "machine_codings",
        sa.Column("model_id", sa.Integer(), nullable=False),
        sa.Column("post_pk", sa.BigInteger(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("codes", sa.JSON(), nullable=False),
        sa.Column("probabilities", sa.JSON(), nullable=False),
        sa.Column("uncertainty", sa.Float(), nullable=False),
        sa.Column("model_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["model_id"], ["models.id"], name=op.f("fk_machine_codings_model_id_models"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["post_pk"], ["posts.id"], name=op.f("fk_machine_codings_post_pk_posts"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], name=op.f("fk_machine_codings_project_id_projects"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("model_id", "post_pk", name=op.f("pk_machine_codings")),
    )
    op.create_index("ix_machine_codings_uncertainty", "machine_codings", ["model_id", "uncertainty"])


def downgrade() -> None:
    op.drop_index("ix_machine_codings_uncertainty", table_name="machine_codings")
    op.drop_table("machine_codings")
    op.drop_table("model_arrays")
    op.drop_table("models")
    with op.batch_alter_table("coders", schema=None) as batch_op:
        batch_op.drop_column("kind")
