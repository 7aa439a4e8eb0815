"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-23 07:07:23.651691
"""
import sqlalchemy as sa
from alembic import op

import dazi.schema

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('projects',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('created_at', dazi.schema.UTCDateTime(timezone=True), nullable=False),
    sa.Column('blind', sa.Boolean(), nullable=False),
    sa.Column('salt', sa.String(length=64), nullable=False),
    sa.Column('settings', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_projects')),
    sa.UniqueConstraint('name', name=op.f('uq_projects_name'))
    )
    op.create_table('token_cache',
    sa.Column('text_hash', sa.String(length=64), nullable=False),
    sa.Column('pipeline_version', sa.String(length=64), nullable=False),
    sa.Column('tokens', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('text_hash', 'pipeline_version', name=op.f('pk_token_cache'))
    )
    op.create_table('codebook_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('created_at', dazi.schema.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=True),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_codebook_versions_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_codebook_versions')),
    sa.UniqueConstraint('project_id', 'version', name='uq_codebook_versions_project_version')
    )
    op.create_table('coders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('passcode_hash', sa.String(length=300), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', dazi.schema.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_coders_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coders')),
    sa.UniqueConstraint('project_id', 'name', name='uq_coders_project_name')
    )
    op.create_table('comments',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('platform', sa.String(length=20), nullable=False),
    sa.Column('post_id', sa.String(length=200), nullable=False),
    sa.Column('comment_id', sa.String(length=200), nullable=False),
    sa.Column('parent_comment_id', sa.String(length=200), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('author_id', sa.String(length=200), nullable=True),
    sa.Column('author_name', sa.Text(), nullable=True),
    sa.Column('created_at', dazi.schema.UTCDateTime(timezone=True), nullable=True),
    sa.Column('location', sa.String(length=200), nullable=True),
    sa.Column('likes', sa.BigInteger(), nullable=True),
    sa.Column('raw', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_comments_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comments')),
    sa.UniqueConstraint('project_id', 'platform', 'comment_id', name='uq_comments_project_platform_comment')
    )
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.create_index('ix_comments_post', ['project_id', 'platform', 'post_id'], unique=False)

    op.create_table('imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('created_at', dazi.schema.UTCDateTime(timezone=True), nullable=False),
    sa.Column('files', sa.JSON(), nullable=False),
    sa.Column('report', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_imports_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_imports'))
    )
    op.create_table('samples',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('method', sa.String(length=50), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('seed', sa.BigInteger(), nullable=True),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('created_at', dazi.schema.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_samples_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_samples')),
    sa.UniqueConstraint('project_id', 'name', name='uq_samples_project_name')
    )
    op.create_table('login_attempts',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('coder_id', sa.Integer(), nullable=False),
    sa.Column('at', dazi.schema.UTCDateTime(timezone=True), nullable=False),
    sa.Column('success', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['coder_id'], ['coders.id'], name=op.f('fk_login_attempts_coder_id_coders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_attempts'))
    )
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.create_index('ix_login_attempts_coder_at', ['coder_id', 'at'], unique=False)

    op.create_table('posts',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('platform', sa.String(length=20), nullable=False),
    sa.Column('post_id', sa.String(length=200), nullable=False),
    sa.Column('url', sa.Text(), nullable=True),
    sa.Column('title', sa.Text(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('author_id', sa.String(length=200), nullable=True),
    sa.Column('author_name', sa.Text(), nullable=True),
    sa.Column('created_at', dazi.schema.UTCDateTime(timezone=True), nullable=True),
    sa.Column('location', sa.String(length=200), nullable=True),
    sa.Column('likes', sa.BigInteger(), nullable=True),
    sa.Column('collects', sa.BigInteger(), nullable=True),
    sa.Column('comments', sa.BigInteger(), nullable=True),
    sa.Column('shares', sa.BigInteger(), nullable=True),
    sa.Column('engagement', sa.BigInteger(), nullable=True),
    sa.Column('counts_approximate', sa.Boolean(), nullable=False),
    sa.Column('counts_raw', sa.JSON(), nullable=True),
    sa.Column('hashtags', sa.JSON(), nullable=True),
    sa.Column('mentions', sa.JSON(), nullable=True),
    sa.Column('source_keywords', sa.JSON(), nullable=True),
    sa.Column('lang', sa.String(length=10), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('crawled_at', dazi.schema.UTCDateTime(timezone=True), nullable=True),
    sa.Column('raw', sa.JSON(), nullable=True),
    sa.Column('import_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['import_id'], ['imports.id'], name=op.f('fk_posts_import_id_imports'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_posts_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_posts')),
    sa.UniqueConstraint('project_id', 'platform', 'post_id', name='uq_posts_project_platform_post')
    )
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.create_index('ix_posts_project_created', ['project_id', 'created_at'], unique=False)

    op.create_table('adjudications',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('post_pk', sa.BigInteger(), nullable=False),
    sa.Column('variable', sa.String(length=100), nullable=False),
    sa.Column('value', sa.JSON(), nullable=True),
    sa.Column('rationale', sa.Text(), nullable=True),
    sa.Column('adjudicator_id', sa.Integer(), nullable=True),
    sa.Column('codebook_version', sa.Integer(), nullable=True),
    sa.Column('created_at', dazi.schema.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['adjudicator_id'], ['coders.id'], name=op.f('fk_adjudications_adjudicator_id_coders'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['post_pk'], ['posts.id'], name=op.f('fk_adjudications_post_pk_posts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_adjudications_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_adjudications'))
    )
    with op.batch_alter_table('adjudications', schema=None) as batch_op:
        batch_op.create_index('ix_adjudications_post_variable', ['project_id', 'post_pk', 'variable'], unique=False)

    op.create_table('assignments',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('coder_id', sa.Integer(), nullable=False),
    sa.Column('post_pk', sa.BigInteger(), nullable=False),
    sa.Column('sample_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('overlap', sa.Boolean(), nullable=False),
    sa.Column('created_at', dazi.schema.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['coder_id'], ['coders.id'], name=op.f('fk_assignments_coder_id_coders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['post_pk'], ['posts.id'], name=op.f('fk_assignments_post_pk_posts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_assignments_project_id_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sample_id'], ['samples.id'], name=op.f('fk_assignments_sample_id_samples'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignments')),
    sa.UniqueConstraint('coder_id', 'post_pk', name='uq_assignments_coder_post')
    )
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.create_index('ix_assignments_coder_position', ['coder_id', 'position'], unique=False)
        batch_op.create_index('ix_assignments_project_post', ['project_id', 'post_pk'], unique=False)

    op.create_table('coding_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('post_pk', sa.BigInteger(), nullable=False),
    sa.Column('coder_id', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=20), nullable=False),
    sa.Column('variable', sa.String(length=100), nullable=True),
    sa.Column('value', sa.JSON(), nullable=True),
    sa.Column('old_value', sa.JSON(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('codebook_version', sa.Integer(), nullable=True),
    sa.Column('created_at', dazi.schema.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['coder_id'], ['coders.id'], name=op.f('fk_coding_events_coder_id_coders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['post_pk'], ['posts.id'], name=op.f('fk_coding_events_post_pk_posts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_coding_events_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coding_events'))
    )
    with op.batch_alter_table('coding_events', schema=None) as batch_op:
        batch_op.create_index('ix_coding_events_post_coder', ['project_id', 'post_pk', 'coder_id'], unique=False)

    op.create_table('coding_units',
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('post_pk', sa.BigInteger(), nullable=False),
    sa.Column('coder_id', sa.Integer(), nullable=False),
    sa.Column('memo', sa.Text(), nullable=True),
    sa.Column('uncertain', sa.Boolean(), nullable=False),
    sa.Column('seconds', sa.Float(), nullable=False),
    sa.Column('done', sa.Boolean(), nullable=False),
    sa.Column('updated_at', dazi.schema.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['coder_id'], ['coders.id'], name=op.f('fk_coding_units_coder_id_coders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['post_pk'], ['posts.id'], name=op.f('fk_coding_units_post_pk_posts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_coding_units_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('post_pk', 'coder_id', name=op.f('pk_coding_units'))
    )
    with op.batch_alter_table('coding_units', schema=None) as batch_op:
        batch_op.create_index('ix_coding_units_coder', ['coder_id', 'done'], unique=False)

    op.create_table('codings',
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('post_pk', sa.BigInteger(), nullable=False),
    sa.Column('coder_id', sa.Integer(), nullable=False),
    sa.Column('variable', sa.String(length=100), nullable=False),
    sa.Column('value', sa.JSON(), nullable=True),
    sa.Column('codebook_version', sa.Integer(), nullable=True),
    sa.Column('updated_at', dazi.schema.UTCDateTime(timezone=True), nullable=False),
    sa.Column('event_id', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['coder_id'], ['coders.id'], name=op.f('fk_codings_coder_id_coders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['post_pk'], ['posts.id'], name=op.f('fk_codings_post_pk_posts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_codings_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('post_pk', 'coder_id', 'variable', name=op.f('pk_codings'))
    )
    with op.batch_alter_table('codings', schema=None) as batch_op:
        batch_op.create_index('ix_codings_project_variable', ['project_id', 'variable'], unique=False)

    op.create_table('sample_posts',
    sa.Column('sample_id', sa.Integer(), nullable=False),
    sa.Column('post_pk', sa.BigInteger(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['post_pk'], ['posts.id'], name=op.f('fk_sample_posts_post_pk_posts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sample_id'], ['samples.id'], name=op.f('fk_sample_posts_sample_id_samples'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('sample_id', 'post_pk', name=op.f('pk_sample_posts'))
    )



def downgrade() -> None:

    op.drop_table('sample_posts')
    with op.batch_alter_table('codings', schema=None) as batch_op:
        batch_op.drop_index('ix_codings_project_variable')

    op.drop_table('codings')
    with op.batch_alter_table('coding_units', schema=None) as batch_op:
        batch_op.drop_index('ix_coding_units_coder')

    op.drop_table('coding_units')
    with op.batch_alter_table('coding_events', schema=None) as batch_op:
        batch_op.drop_index('ix_coding_events_post_coder')

    op.drop_table('coding_events')
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.drop_index('ix_assignments_project_post')
        batch_op.drop_index('ix_assignments_coder_position')

    op.drop_table('assignments')
    with op.batch_alter_table('adjudications', schema=None) as batch_op:
        batch_op.drop_index('ix_adjudications_post_variable')

    op.drop_table('adjudications')
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_index('ix_posts_project_created')

    op.drop_table('posts')
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_login_attempts_coder_at')

    op.drop_table('login_attempts')
    op.drop_table('samples')
    op.drop_table('imports')
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_index('ix_comments_post')

    op.drop_table('comments')
    op.drop_table('coders')
    op.drop_table('codebook_versions')
    op.drop_table('token_cache')
    op.drop_table('projects')

