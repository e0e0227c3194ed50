"""bill run: each charge a bill run rates is rated once per product, price and period, and each
account gets one cycle bill per period (unique natural keys: repeated runs find what they made)

Revision ID: 0019
Revises: 0017
Create Date: 2026-12-01 21:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("applied_customer_billing_rate") as batch:
        batch.add_column(sa.Column("charge_key", sa.String(length=400), nullable=True))
        batch.add_column(sa.Column("bill_run_id", sa.String(length=100), nullable=True))
        batch.create_unique_constraint(op.f("uq_applied_customer_billing_rate_charge_key"), ["charge_key"])
        batch.create_index(op.f("ix_applied_customer_billing_rate_bill_run_id"), ["bill_run_id"])
    with op.batch_alter_table("customer_bill") as batch:
        batch.add_column(sa.Column("cycle_key", sa.String(length=400), nullable=True))
        batch.create_unique_constraint(op.f("uq_customer_bill_cycle_key"), ["cycle_key"])


def downgrade() -> None:
    with op.batch_alter_table("customer_bill") as batch:
        batch.drop_constraint(op.f("uq_customer_bill_cycle_key"), type_="unique")
        batch.drop_column("cycle_key")
    with op.batch_alter_table("applied_customer_billing_rate") as batch:
        batch.drop_index(op.f("ix_applied_customer_billing_rate_bill_run_id"))
        batch.drop_constraint(op.f("uq_applied_customer_billing_rate_charge_key"), type_="unique")
        batch.drop_column("bill_run_id")
        batch.drop_column("charge_key")
