"""Customer Bill ABE payments (TMF676): payments, their items (the bills each settles) and refunds

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 21:10:00.000000
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql
from sqlalchemy.schema import SchemaItem

from sid_model.base import UTCDateTime

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

MONEY = sa.Numeric(18, 2)


def _extensible() -> list[sa.Column[Any]]:
    return [
        sa.Column("at_type", sa.String(length=100), nullable=True),
        sa.Column("at_base_type", sa.String(length=100), nullable=True),
        sa.Column("at_schema_location", sa.String(length=500), nullable=True),
        sa.Column(
            "extension",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
    ]


def _root(table: str, *columns: sa.Column[Any]) -> list[SchemaItem]:
    """The columns every rendered root entity has (Identified, Extensible, Rendered) around its own."""
    return [
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=100), nullable=False),
        *columns,
        *_extensible(),
        sa.Column("rendered_v4", sa.Text(), nullable=True),
        sa.Column("rendered_v5", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("pk", name=op.f(f"pk_{table}")),
        sa.UniqueConstraint("id", name=op.f(f"uq_{table}_id")),
    ]


def _common(*between: sa.Column[Any]) -> list[sa.Column[Any]]:
    """What a payment and a refund both have; `between` goes after the channel."""
    return [
        sa.Column("name", sa.String(length=500), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=50), nullable=True),
        sa.Column("status_date", UTCDateTime(), nullable=True),
        *between,
    ]


def _indexes(table: str, *columns: str) -> None:
    for column in columns:
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column], unique=False)


def upgrade() -> None:
    op.create_table(
        "payment",
        *_root(
            "payment",
            *_common(
                sa.Column("payment_date", UTCDateTime(), nullable=True),
                sa.Column("authorization_code", sa.String(length=200), nullable=True),
                sa.Column("correlator_id", sa.String(length=200), nullable=True),
                sa.Column("account_id", sa.String(length=200), nullable=True),
                sa.Column("account_name", sa.String(length=500), nullable=True),
                sa.Column("channel_id", sa.String(length=200), nullable=True),
                sa.Column("channel_name", sa.String(length=500), nullable=True),
                sa.Column("payer_id", sa.String(length=200), nullable=True),
                sa.Column("payer_name", sa.String(length=500), nullable=True),
                sa.Column("currency", sa.String(length=3), nullable=True),
                sa.Column("total_amount", MONEY, nullable=True),
                sa.Column("amount", MONEY, nullable=True),
                sa.Column("tax_amount", MONEY, nullable=True),
                sa.Column("credit_amount", MONEY, nullable=True),
                sa.Column("refunded_amount", MONEY, nullable=True),
            ),
        ),
    )
    _indexes("payment", "status", "payment_date", "correlator_id", "account_id", "channel_id", "payer_id")
    op.create_table(
        "payment_item",
        sa.Column("payment_pk", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.String(length=200), nullable=True),
        sa.Column("entity_id", sa.String(length=200), nullable=True),
        sa.Column("entity_href", sa.String(length=500), nullable=True),
        sa.Column("entity_name", sa.String(length=500), nullable=True),
        sa.Column("entity_referred_type", sa.String(length=100), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("amount", MONEY, nullable=True),
        sa.Column("tax_amount", MONEY, nullable=True),
        sa.Column("total_amount", MONEY, nullable=True),
        sa.Column("applied_amount", MONEY, nullable=True),
        sa.Column("reversed_amount", MONEY, nullable=True),
        *_extensible(),
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["payment_pk"],
            ["payment.pk"],
            name=op.f("fk_payment_item_payment_pk_payment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_payment_item")),
    )
    _indexes("payment_item", "payment_pk", "entity_id")
    op.create_table(
        "refund",
        *_root(
            "refund",
            *_common(
                sa.Column("refund_date", UTCDateTime(), nullable=True),
                sa.Column("authorization_code", sa.String(length=200), nullable=True),
                sa.Column("correlator_id", sa.String(length=200), nullable=True),
                sa.Column("account_id", sa.String(length=200), nullable=True),
                sa.Column("account_name", sa.String(length=500), nullable=True),
                sa.Column("channel_id", sa.String(length=200), nullable=True),
                sa.Column("channel_name", sa.String(length=500), nullable=True),
                sa.Column("payment_id", sa.String(length=200), nullable=True),
                sa.Column("requestor_id", sa.String(length=200), nullable=True),
                sa.Column("requestor_name", sa.String(length=500), nullable=True),
                sa.Column("currency", sa.String(length=3), nullable=True),
                sa.Column("total_amount", MONEY, nullable=True),
                sa.Column("amount", MONEY, nullable=True),
                sa.Column("tax_amount", MONEY, nullable=True),
            ),
        ),
    )
    _indexes(
        "refund",
        "status",
        "refund_date",
        "correlator_id",
        "account_id",
        "channel_id",
        "payment_id",
        "requestor_id",
    )


def downgrade() -> None:
    op.drop_table("refund")
    op.drop_table("payment_item")
    op.drop_table("payment")
