"""moderation: when an item was first claimed, and each decision's time to first claim

Revision ID: 0013_first_claim
Revises: 0012_search_text
Create Date: 2026-12-07 16:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013_first_claim'
down_revision = '0012_search_text'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('clusters', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_claimed_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claim_seconds', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_column('claim_seconds')
    with op.batch_alter_table('clusters', schema=None) as batch_op:
        batch_op.drop_column('first_claimed_at')
