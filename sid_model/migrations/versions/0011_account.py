"""Customer and Party ABE accounts (TMF666): one account table for the four kinds, its related
parties and balances, and the bill formats, presentation media and billing cycle specifications

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 15:40:00.000000
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql
from sqlalchemy.schema import SchemaItem

from sid_model.base import UTCDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def _root(table: str, *columns: sa.Column[Any]) -> list[SchemaItem]:
    """The columns every root entity has (Identified, Extensible) around its own."""
    return [
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=100), nullable=False),
        *columns,
        *_extensible(),
        sa.PrimaryKeyConstraint("pk", name=op.f(f"pk_{table}")),
        sa.UniqueConstraint("id", name=op.f(f"uq_{table}_id")),
    ]


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


def _child(table: str, *columns: sa.Column[Any]) -> list[SchemaItem]:
    """A child table of `account` (sid_model.common.Child): account_pk → account.pk ON DELETE CASCADE."""
    return [
        sa.Column("account_pk", sa.Integer(), nullable=False),
        *columns,
        *_extensible(),
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_pk"], ["account.pk"], name=op.f(f"fk_{table}_account_pk_account"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f(f"pk_{table}")),
    ]


def _indexes(table: str, *columns: str) -> None:
    for column in columns:
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column], unique=False)


def upgrade() -> None:
    op.create_table(
        "account",
        *_root(
            "account",
            sa.Column("kind", sa.String(length=30), nullable=False),
            sa.Column("name", sa.String(length=500), nullable=True),
            sa.Column("description", sa.Text(), nullable=True),
            sa.Column("account_type", sa.String(length=100), nullable=True),
            sa.Column("state", sa.String(length=50), nullable=True),
            sa.Column("payment_status", sa.String(length=50), nullable=True),
            sa.Column("rating_type", sa.String(length=50), nullable=True),
            sa.Column("last_update", UTCDateTime(), nullable=True),
            sa.Column("bill_format_id", sa.String(length=100), nullable=True),
            sa.Column("billing_cycle_specification_id", sa.String(length=100), nullable=True),
            sa.Column("financial_account_id", sa.String(length=100), nullable=True),
            sa.Column("default_payment_method_id", sa.String(length=200), nullable=True),
        ),
    )
    _indexes(
        "account",
        "kind",
        "name",
        "account_type",
        "state",
        "last_update",
        "bill_format_id",
        "billing_cycle_specification_id",
        "financial_account_id",
    )
    op.create_table(
        "account_related_party",
        *_child(
            "account_related_party",
            sa.Column("role", sa.String(length=200), nullable=True),
            sa.Column("party_id", sa.String(length=200), nullable=True),
            sa.Column("party_href", sa.String(length=500), nullable=True),
            sa.Column("party_name", sa.String(length=500), nullable=True),
            sa.Column("party_referred_type", sa.String(length=100), nullable=True),
            sa.Column("party_at_type", sa.String(length=100), nullable=True),
        ),
    )
    _indexes("account_related_party", "account_pk", "party_id")
    op.create_table(
        "account_balance",
        *_child(
            "account_balance",
            sa.Column("balance_type", sa.String(length=100), nullable=True),
            sa.Column("currency", sa.String(length=3), nullable=True),
            sa.Column("valid_from", UTCDateTime(), nullable=True),
            sa.Column("valid_to", UTCDateTime(), nullable=True),
        ),
    )
    _indexes("account_balance", "account_pk")
    for table in ("bill_format", "bill_presentation_media"):
        op.create_table(
            table,
            *_root(
                table,
                sa.Column("name", sa.String(length=500), nullable=True),
                sa.Column("description", sa.Text(), nullable=True),
            ),
        )
        _indexes(table, "name")
    op.create_table(
        "billing_cycle_specification",
        *_root(
            "billing_cycle_specification",
            sa.Column("name", sa.String(length=500), nullable=True),
            sa.Column("description", sa.Text(), nullable=True),
            sa.Column("billing_period", sa.String(length=100), nullable=True),
            sa.Column("frequency", sa.String(length=100), nullable=True),
            sa.Column("billing_date_shift", sa.Integer(), nullable=True),
            sa.Column("charge_date_offset", sa.Integer(), nullable=True),
            sa.Column("credit_date_offset", sa.Integer(), nullable=True),
            sa.Column("mailing_date_offset", sa.Integer(), nullable=True),
            sa.Column("payment_due_date_offset", sa.Integer(), nullable=True),
            sa.Column("valid_from", UTCDateTime(), nullable=True),
            sa.Column("valid_to", UTCDateTime(), nullable=True),
        ),
    )
    _indexes("billing_cycle_specification", "name", "frequency")


def downgrade() -> None:
    for table in (
        "billing_cycle_specification",
        "bill_presentation_media",
        "bill_format",
        "account_balance",
        "account_related_party",
        "account",
    ):
        op.drop_table(table)
