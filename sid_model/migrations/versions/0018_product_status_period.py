"""Product status periods (TMF637): each product's status over time, which billing reads to
charge suspended days at the offering's suspension price

Revision ID: 0018
Revises: 0019
Create Date: 2026-12-01 21:42:55.702083
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sid_model.base import UTCDateTime

# After main's 0019 (merged into this branch), so that the branch has one head; the lead
# re-chains the helpers' migrations at merge.
revision = "0018"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "product_status_period",
        sa.Column("status", sa.String(length=50), nullable=True),
        sa.Column("valid_from", UTCDateTime(), nullable=True),
        sa.Column("valid_to", UTCDateTime(), nullable=True),
        sa.Column("product_pk", sa.Integer(), nullable=False),
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_pk"],
            ["product.pk"],
            name=op.f("fk_product_status_period_product_pk_product"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_product_status_period")),
    )
    with op.batch_alter_table("product_status_period", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_product_status_period_product_pk"), ["product_pk"], unique=False)
    # Products stored before hold one period: their status since they started.
    op.execute(
        "INSERT INTO product_status_period (product_pk, status, valid_from, valid_to, position) "
        "SELECT pk, status, COALESCE(start_date, creation_date), NULL, 0 FROM product "
        "WHERE status IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("product_status_period", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_status_period_product_pk"))
    op.drop_table("product_status_period")
