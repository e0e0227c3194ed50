"""prepaid balances (TMF654): buckets, balance actions (top-up, adjustment, transfer, reservation),
their history and accumulated balances; a monetary CNY bucket for every billing account already open

The server opens a bucket for each billing account it opens (tmf_api.apis.prepay); accounts
stored before this revision get theirs here, with an empty balance and the accumulated balance
that sums it, so every billing account has one whenever it was opened.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 21:00:00.000000
"""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import sid_model.base

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
TABLES = ("accumulated_balance", "balance_action_history", "balance_action", "bucket")


def upgrade() -> None:
    op.create_table(
        "bucket",
        sa.Column("name", sa.String(length=500), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("is_shared", sa.Boolean(), nullable=True),
        sa.Column("usage_type", sa.String(length=20), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=True),
        sa.Column("remaining_amount", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column("reserved_amount", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column("units", sa.String(length=20), nullable=True),
        sa.Column("remaining_value_name", sa.String(length=100), nullable=True),
        sa.Column("party_account_id", sa.String(length=100), nullable=True),
        sa.Column("party_account_href", sa.String(length=500), nullable=True),
        sa.Column("party_account_name", sa.String(length=500), nullable=True),
        sa.Column("valid_from", sid_model.base.UTCDateTime(), nullable=True),
        sa.Column("valid_to", sid_model.base.UTCDateTime(), nullable=True),
        sa.Column("requested_date", sid_model.base.UTCDateTime(), nullable=True),
        sa.Column("confirmation_date", sid_model.base.UTCDateTime(), nullable=True),
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("at_type", sa.String(length=100), nullable=True),
        sa.Column("at_base_type", sa.String(length=100), nullable=True),
        sa.Column("at_schema_location", sa.String(length=500), nullable=True),
        sa.Column(
            "extension",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("rendered_v4", sa.Text(), nullable=True),
        sa.Column("rendered_v5", sa.Text(), nullable=True),
        sa.CheckConstraint("remaining_amount >= 0", name=op.f("ck_bucket_remaining_not_negative")),
        sa.CheckConstraint("reserved_amount >= 0", name=op.f("ck_bucket_reserved_not_negative")),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_bucket")),
        sa.UniqueConstraint("id", name=op.f("uq_bucket_id")),
    )
    with op.batch_alter_table("bucket", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bucket_name"), ["name"], unique=False)
        batch_op.create_index(batch_op.f("ix_bucket_party_account_id"), ["party_account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_bucket_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_bucket_usage_type"), ["usage_type"], unique=False)

    op.create_table(
        "balance_action",
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("requested_date", sid_model.base.UTCDateTime(), nullable=True),
        sa.Column("confirmation_date", sid_model.base.UTCDateTime(), nullable=True),
        sa.Column("amount", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("units", sa.String(length=20), nullable=True),
        sa.Column("usage_type", sa.String(length=20), nullable=True),
        sa.Column("bucket_id", sa.String(length=100), nullable=True),
        sa.Column("bucket_href", sa.String(length=500), nullable=True),
        sa.Column("bucket_name", sa.String(length=500), nullable=True),
        sa.Column("party_account_id", sa.String(length=100), nullable=True),
        sa.Column("receiver_bucket_id", sa.String(length=100), nullable=True),
        sa.Column("receiver_bucket_href", sa.String(length=500), nullable=True),
        sa.Column("receiver_usage_type", sa.String(length=20), nullable=True),
        sa.Column("channel_id", sa.String(length=100), nullable=True),
        sa.Column("channel_name", sa.String(length=200), nullable=True),
        sa.Column("payment_method_id", sa.String(length=100), nullable=True),
        sa.Column("payment_method_name", sa.String(length=200), nullable=True),
        sa.Column("voucher", sa.String(length=100), nullable=True),
        sa.Column("adjust_type", sa.String(length=20), nullable=True),
        sa.Column("cost_owner", sa.String(length=20), nullable=True),
        sa.Column("is_auto_topup", sa.Boolean(), nullable=True),
        sa.Column("number_of_periods", sa.Integer(), nullable=True),
        sa.Column("recurring_period", sa.String(length=20), nullable=True),
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("at_type", sa.String(length=100), nullable=True),
        sa.Column("at_base_type", sa.String(length=100), nullable=True),
        sa.Column("at_schema_location", sa.String(length=500), nullable=True),
        sa.Column(
            "extension",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("rendered_v4", sa.Text(), nullable=True),
        sa.Column("rendered_v5", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_balance_action")),
        sa.UniqueConstraint("id", name=op.f("uq_balance_action_id")),
    )
    with op.batch_alter_table("balance_action", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_balance_action_bucket_id"), ["bucket_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_balance_action_channel_id"), ["channel_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_balance_action_kind"), ["kind"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_balance_action_party_account_id"), ["party_account_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_balance_action_receiver_bucket_id"), ["receiver_bucket_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_balance_action_requested_date"), ["requested_date"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_balance_action_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_balance_action_usage_type"), ["usage_type"], unique=False)
        batch_op.create_index(batch_op.f("ix_balance_action_voucher"), ["voucher"], unique=False)

    op.create_table(
        "balance_action_history",
        sa.Column("action_id", sa.String(length=100), nullable=True),
        sa.Column("action_type", sa.String(length=30), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("requested_date", sid_model.base.UTCDateTime(), nullable=True),
        sa.Column("confirmation_date", sid_model.base.UTCDateTime(), nullable=True),
        sa.Column("amount", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("units", sa.String(length=20), nullable=True),
        sa.Column("usage_type", sa.String(length=20), nullable=True),
        sa.Column("bucket_id", sa.String(length=100), nullable=True),
        sa.Column("receiver_bucket_id", sa.String(length=100), nullable=True),
        sa.Column("party_account_id", sa.String(length=100), nullable=True),
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("at_type", sa.String(length=100), nullable=True),
        sa.Column("at_base_type", sa.String(length=100), nullable=True),
        sa.Column("at_schema_location", sa.String(length=500), nullable=True),
        sa.Column(
            "extension",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("rendered_v4", sa.Text(), nullable=True),
        sa.Column("rendered_v5", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_balance_action_history")),
        sa.UniqueConstraint("id", name=op.f("uq_balance_action_history_id")),
    )
    with op.batch_alter_table("balance_action_history", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_balance_action_history_action_id"), ["action_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_balance_action_history_action_type"), ["action_type"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_balance_action_history_bucket_id"), ["bucket_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_balance_action_history_party_account_id"), ["party_account_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_balance_action_history_receiver_bucket_id"), ["receiver_bucket_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_balance_action_history_requested_date"), ["requested_date"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_balance_action_history_status"), ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_balance_action_history_usage_type"), ["usage_type"], unique=False
        )

    op.create_table(
        "accumulated_balance",
        sa.Column("name", sa.String(length=500), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("party_account_id", sa.String(length=100), nullable=True),
        sa.Column("usage_type", sa.String(length=20), nullable=True),
        sa.Column("total_amount", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column("units", sa.String(length=20), nullable=True),
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("at_type", sa.String(length=100), nullable=True),
        sa.Column("at_base_type", sa.String(length=100), nullable=True),
        sa.Column("at_schema_location", sa.String(length=500), nullable=True),
        sa.Column(
            "extension",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("rendered_v4", sa.Text(), nullable=True),
        sa.Column("rendered_v5", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_accumulated_balance")),
        sa.UniqueConstraint("id", name=op.f("uq_accumulated_balance_id")),
    )
    with op.batch_alter_table("accumulated_balance", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_accumulated_balance_name"), ["name"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_accumulated_balance_party_account_id"), ["party_account_id"], unique=False
        )
    _open_buckets()


def _open_buckets() -> None:
    """A CNY bucket and its accumulated balance for each billing account held before this revision
    (the ids are those tmf_api.apis.prepay gives: the bucket's derives from the account's)."""
    bind = op.get_bind()
    accounts = sa.table(
        "account", sa.column("id", sa.String), sa.column("name", sa.String), sa.column("kind", sa.String)
    )
    bucket = sa.table(
        "bucket",
        *(
            sa.column(name)
            for name in (
                "id", "name", "description", "usage_type", "status", "remaining_amount", "reserved_amount",
                "units", "remaining_value_name", "party_account_id", "party_account_href",
                "party_account_name", "is_shared",
            )
        ),
        sa.column("valid_from", sid_model.base.UTCDateTime()),
        sa.column("extension", JSON),
    )  # fmt: skip
    accumulated = sa.table(
        "accumulated_balance",
        *(
            sa.column(name)
            for name in (
                "id",
                "name",
                "description",
                "party_account_id",
                "usage_type",
                "total_amount",
                "units",
            )
        ),
        sa.column("extension", JSON),
    )
    held = bind.execute(
        sa.select(accounts.c.id, accounts.c.name).where(accounts.c.kind == "billingAccount")
    ).all()
    now = dt.datetime.now(dt.UTC)
    for account_id, name in held:
        bucket_id = _bucket_id(account_id)
        href = f"/tmf-api/prepayBalanceManagement/v4/bucket/{bucket_id}"
        bind.execute(
            bucket.insert().values(
                id=bucket_id,
                name=f"{name or account_id} 话费余额",
                description="Prepaid money of the billing account (CNY)",
                usage_type="monetary",
                status="active",
                remaining_amount=0,
                reserved_amount=0,
                units="CNY",
                remaining_value_name="¥0.00",
                party_account_id=account_id,
                party_account_href=f"/tmf-api/accountManagement/v4/billingAccount/{account_id}",
                party_account_name=name,
                valid_from=now,
                is_shared=False,
                extension={},
            )
        )
        bind.execute(
            accumulated.insert().values(
                id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"accumulated:{account_id}:monetary")),
                name=f"{name or account_id} 账户余额",
                description="Prepaid money of the billing account, all its monetary buckets",
                party_account_id=account_id,
                usage_type="monetary",
                total_amount=0,
                units="CNY",
                extension={
                    "bucket": [{"id": bucket_id, "href": href, "name": f"{name or account_id} 话费余额"}]
                },
            )
        )


def _bucket_id(account_id: str) -> str:
    # As tmf_api.apis.prepay.bucket_id: readable where it fits, a name-based UUID otherwise.
    readable = f"CNY-{account_id}"
    return readable if len(readable) <= 100 else str(uuid.uuid5(uuid.NAMESPACE_URL, f"bucket:{account_id}"))


def downgrade() -> None:
    for table in TABLES:
        op.drop_table(table)
