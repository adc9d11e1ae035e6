"""registry: per-official coverage stats and the index coverage reads

Revision ID: 0002b_registry_idx
Revises: 0002_registry
Create Date: 2026-11-25 03:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002b_registry_idx'
down_revision = '0002_registry'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('officials', schema=None) as batch_op:
        batch_op.add_column(sa.Column('accounts_active', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('verified_newest_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('verified_oldest_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_officials_coverage', ['unit_id', 'active', 'accounts_active', 'verified_newest_at', 'verified_oldest_at'], unique=False)
    # Backfill from the declarations that already exist (the same rule as registry.services.stats).
    op.execute(sa.text(BACKFILL))


_DECLARED = ("FROM account_declarants d JOIN accounts a ON a.id = d.account_id "
             "WHERE d.official_id = officials.id AND a.status")
BACKFILL = (
    "UPDATE officials SET "
    f"accounts_active = (SELECT count(*) {_DECLARED} IN ('declared', 'verified')), "
    f"verified_newest_at = (SELECT max(a.confirmed_at) {_DECLARED} = 'verified'), "
    f"verified_oldest_at = (SELECT min(a.confirmed_at) {_DECLARED} = 'verified')"
)


def downgrade():
    with op.batch_alter_table('officials', schema=None) as batch_op:
        batch_op.drop_index('ix_officials_coverage')
        batch_op.drop_column('verified_oldest_at')
        batch_op.drop_column('verified_newest_at')
        batch_op.drop_column('accounts_active')
