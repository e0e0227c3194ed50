"""indexes for the filters on orders, tickets and bills; GIN on their extension JSON (PostgreSQL)

Every first-level attribute the official documents make filterable has an index or an
`unindexed` reason in its mapping (tests/sid_model/test_filter_indexes.py keeps it so).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 09:33:48.580749
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# One-column indexes, named by the model's naming convention (ix_<table>_<column>).
COLUMNS = {
    "product_order": [
        "category",
        "priority",
        "completion_date",
        "cancellation_date",
        "expected_completion_date",
        "requested_start_date",
        "requested_completion_date",
    ],
    "trouble_ticket": [
        "channel_id",
        "last_update",
        "status_change_date",
        "requested_resolution_date",
        "resolution_date",
    ],
    "customer_bill": ["category", "run_type", "last_update", "next_bill_date", "payment_due_date"],
}
# Serves `extension @> '{…}'`, the engine's equality filters on unmapped attributes.
GIN_TABLES = ["product_order", "trouble_ticket", "customer_bill"]


def upgrade() -> None:
    for table, columns in COLUMNS.items():
        for column in columns:
            op.create_index(op.f(f"ix_{table}_{column}"), table, [column], unique=False)
    op.create_index("ix_product_order_item_state_order_pk", "product_order_item", ["state", "order_pk"])
    if op.get_bind().dialect.name == "postgresql":
        for table in GIN_TABLES:
            op.create_index(
                f"ix_{table}_extension_gin",
                table,
                ["extension"],
                postgresql_using="gin",
                postgresql_ops={"extension": "jsonb_path_ops"},
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in reversed(GIN_TABLES):
            op.drop_index(f"ix_{table}_extension_gin", table_name=table)
    op.drop_index("ix_product_order_item_state_order_pk", table_name="product_order_item")
    for table, columns in reversed(COLUMNS.items()):
        for column in reversed(columns):
            op.drop_index(op.f(f"ix_{table}_{column}"), table_name=table)
