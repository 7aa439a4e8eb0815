"""coding_units.hints: whether keyword hints were shown when the coder saved the post

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-07 02:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("coding_units", sa.Column("hints", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("coding_units") as batch:
        batch.drop_column("hints")
