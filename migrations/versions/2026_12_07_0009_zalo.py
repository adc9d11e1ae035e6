"""zalo: linked Official Accounts, their events, followers and messages

Revision ID: 0009_zalo
Revises: 0008_jobs
Create Date: 2026-12-07 08:23:15.967076

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009_zalo'
down_revision = '0008_jobs'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('zalo_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('app_id', sa.String(length=40), nullable=False),
    sa.Column('oa_id', sa.String(length=40), nullable=False),
    sa.Column('secret_key', sa.Text(), nullable=False),
    sa.Column('access_token', sa.Text(), nullable=True),
    sa.Column('refresh_token', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_zalo_links_unit_id_units')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_zalo_links_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_zalo_links')),
    sa.UniqueConstraint('app_id', 'oa_id', name=op.f('uq_zalo_links_app_id')),
    sa.UniqueConstraint('unit_id', name=op.f('uq_zalo_links_unit_id'))
    )
    op.create_table('zalo_followers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('link_id', sa.Integer(), nullable=False),
    sa.Column('zalo_user_id', sa.String(length=60), nullable=False),
    sa.Column('following', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['link_id'], ['zalo_links.id'], name=op.f('fk_zalo_followers_link_id_zalo_links')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_zalo_followers')),
    sa.UniqueConstraint('link_id', 'zalo_user_id', name=op.f('uq_zalo_followers_link_id'))
    )
    op.create_table('zalo_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('link_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('sender_id', sa.String(length=60), nullable=False),
    sa.Column('body', sa.JSON(), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['link_id'], ['zalo_links.id'], name=op.f('fk_zalo_events_link_id_zalo_links')),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_zalo_events_post_id_posts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_zalo_events')),
    sa.UniqueConstraint('key', name=op.f('uq_zalo_events_key'))
    )
    with op.batch_alter_table('zalo_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_zalo_events_link_id'), ['link_id'], unique=False)

    op.create_table('zalo_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('link_id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=True),
    sa.Column('zalo_user_id', sa.String(length=60), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('error_code', sa.Integer(), nullable=True),
    sa.Column('answer', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['link_id'], ['zalo_links.id'], name=op.f('fk_zalo_messages_link_id_zalo_links')),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_zalo_messages_post_id_posts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_zalo_messages'))
    )
    with op.batch_alter_table('zalo_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_zalo_messages_post_id'), ['post_id'], unique=False)



def downgrade():
    with op.batch_alter_table('zalo_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_zalo_messages_post_id'))

    op.drop_table('zalo_messages')
    with op.batch_alter_table('zalo_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_zalo_events_link_id'))

    op.drop_table('zalo_events')
    op.drop_table('zalo_followers')
    op.drop_table('zalo_links')
