"""indexes for the usual order lists

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 05:29:55.421037
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:

    with op.batch_alter_table("product_order", schema=None) as batch_op:
        batch_op.create_index("ix_product_order_state_order_date", ["state", "order_date"], unique=False)

    with op.batch_alter_table("product_order_item", schema=None) as batch_op:
        batch_op.create_index("ix_product_order_item_order_pk_action", ["order_pk", "action"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("product_order_item", schema=None) as batch_op:
        batch_op.drop_index("ix_product_order_item_order_pk_action")

    with op.batch_alter_table("product_order", schema=None) as batch_op:
        batch_op.drop_index("ix_product_order_state_order_date")
