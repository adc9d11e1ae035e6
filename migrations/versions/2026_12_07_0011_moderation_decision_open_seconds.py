"""moderation: how long each decided item waited (the 24-hour deadline)

Revision ID: 0011_decision_open_seconds
Revises: 0010_zalo_templates
Create Date: 2026-12-07 11:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_decision_open_seconds'
down_revision = '0010_zalo_templates'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('open_seconds', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_column('open_seconds')
