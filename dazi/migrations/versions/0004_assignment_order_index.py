"""an index on a coder's assignment order, so the workspace's next/previous post and pages stop early

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 13:10:00
"""
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_assignments_coder_order", "assignments", ["coder_id", "sample_id", "position", "post_pk"],
                    unique=False)


def downgrade() -> None:
    op.drop_index("ix_assignments_coder_order", table_name="assignments")
