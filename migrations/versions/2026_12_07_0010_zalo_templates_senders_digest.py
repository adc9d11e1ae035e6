"""zalo: per-commune message templates, followers matched to registry accounts, the digest

Revision ID: 0010_zalo_templates
Revises: 0009_zalo
Create Date: 2026-12-07 10:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_zalo_templates'
down_revision = '0009_zalo'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('zalo_links', schema=None) as batch_op:
        batch_op.add_column(sa.Column('templates', sa.JSON(), nullable=False,
                                      server_default=sa.text("'{}'")))
        batch_op.add_column(sa.Column('digest_period', sa.String(length=8), nullable=False,
                                      server_default='off'))
        batch_op.add_column(sa.Column('digest_sent_at', sa.DateTime(timezone=True),
                                      nullable=True))
    with op.batch_alter_table('zalo_followers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('account_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('digest', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.create_foreign_key(batch_op.f('fk_zalo_followers_account_id_accounts'),
                                    'accounts', ['account_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('zalo_followers', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_zalo_followers_account_id_accounts'),
                                 type_='foreignkey')
        batch_op.drop_column('digest')
        batch_op.drop_column('account_id')
    with op.batch_alter_table('zalo_links', schema=None) as batch_op:
        batch_op.drop_column('digest_sent_at')
        batch_op.drop_column('digest_period')
        batch_op.drop_column('templates')
