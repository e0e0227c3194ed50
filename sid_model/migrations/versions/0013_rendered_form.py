"""rendered form: root rows keep the documents their API versions render (tmf_api.engine.rendered);
an index for the count of orders listed by state, item action and date

Rows stored before this revision have no forms (NULL) and are read the slow way until their next
change or `tmf db render`.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 15:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

TABLES = (
    "product_order",
    "cancel_product_order",
    "trouble_ticket",
    "trouble_ticket_specification",
    "bill_cycle",
    "customer_bill",
    "applied_customer_billing_rate",
    "customer_bill_on_demand",
)
VERSIONS = ("v4", "v5")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            for version in VERSIONS:
                batch.add_column(sa.Column(f"rendered_{version}", sa.Text(), nullable=True))
    op.create_index(
        op.f("ix_product_order_state_item_actions_order_date"),
        "product_order",
        ["state", "item_actions", "order_date"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_product_order_state_item_actions_order_date"), table_name="product_order")
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            for version in VERSIONS:
                batch.drop_column(f"rendered_{version}")
