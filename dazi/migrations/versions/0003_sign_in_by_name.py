"""sign-in attempts keyed by project and name, so unknown names are slowed down too

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 12:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("login_attempts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("project_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("name", sa.String(length=100), nullable=True))
        batch_op.alter_column("coder_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key(op.f("fk_login_attempts_project_id_projects"), "projects", ["project_id"], ["id"],
                                    ondelete="CASCADE")
    op.execute("UPDATE login_attempts SET project_id = (SELECT project_id FROM coders WHERE coders.id = coder_id), "
               "name = (SELECT name FROM coders WHERE coders.id = coder_id)")
    with op.batch_alter_table("login_attempts", schema=None) as batch_op:
        batch_op.create_index("ix_login_attempts_name_at", ["project_id", "name", "at"], unique=False)


def downgrade() -> None:
    op.execute("DELETE FROM login_attempts WHERE coder_id IS NULL")
    with op.batch_alter_table("login_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_login_attempts_name_at")
        batch_op.drop_constraint(op.f("fk_login_attempts_project_id_projects"), type_="foreignkey")
        batch_op.alter_column("coder_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("name")
        batch_op.drop_column("project_id")
