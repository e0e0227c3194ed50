"""Customer Order ABE: product orders and cancellations

Revision ID: 0001
Revises:
Create Date: 2026-11-22 05:01:36.911719
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import sid_model.base

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "cancel_product_order",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("state", sa.String(length=50), nullable=True),
        sa.Column("product_order_id", sa.String(length=100), nullable=True),
        sa.Column("product_order_href", sa.String(length=500), nullable=True),
        sa.Column("cancellation_reason", sa.Text(), nullable=True),
        sa.Column("creation_date", sid_model.base.UTCDateTime(), nullable=True),
        sa.Column("requested_cancellation_date", sid_model.base.UTCDateTime(), nullable=True),
        sa.Column("effective_cancellation_date", sid_model.base.UTCDateTime(), nullable=True),
        sa.Column("at_type", sa.String(length=100), nullable=True),
        sa.Column("at_base_type", sa.String(length=100), nullable=True),
        sa.Column("at_schema_location", sa.String(length=500), nullable=True),
        sa.Column(
            "extension",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_cancel_product_order")),
        sa.UniqueConstraint("id", name=op.f("uq_cancel_product_order_id")),
    )
    with op.batch_alter_table("cancel_product_order", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cancel_product_order_creation_date"), ["creation_date"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_cancel_product_order_product_order_id"), ["product_order_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_cancel_product_order_state"), ["state"], unique=False)

    op.create_table(
        "product_order",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("state", sa.String(length=50), nullable=True),
        sa.Column("category", sa.String(length=200), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("priority", sa.String(length=20), nullable=True),
        sa.Column("notification_contact", sa.String(length=500), nullable=True),
        sa.Column("cancellation_reason", sa.Text(), nullable=True),
        sa.Column("billing_account_id", sa.String(length=200), nullable=True),
        sa.Column("order_date", sid_model.base.UTCDateTime(), nullable=True),
        sa.Column("completion_date", sid_model.base.UTCDateTime(), nullable=True),
        sa.Column("cancellation_date", sid_model.base.UTCDateTime(), nullable=True),
        sa.Column("expected_completion_date", sid_model.base.UTCDateTime(), nullable=True),
        sa.Column("requested_start_date", sid_model.base.UTCDateTime(), nullable=True),
        sa.Column("requested_completion_date", sid_model.base.UTCDateTime(), nullable=True),
        sa.Column("at_type", sa.String(length=100), nullable=True),
        sa.Column("at_base_type", sa.String(length=100), nullable=True),
        sa.Column("at_schema_location", sa.String(length=500), nullable=True),
        sa.Column(
            "extension",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_product_order")),
        sa.UniqueConstraint("id", name=op.f("uq_product_order_id")),
    )
    with op.batch_alter_table("product_order", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_product_order_billing_account_id"), ["billing_account_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_product_order_order_date"), ["order_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_product_order_state"), ["state"], unique=False)

    op.create_table(
        "product_order_external_identifier",
        sa.Column("order_pk", sa.Integer(), nullable=False),
        sa.Column("identifier", sa.String(length=500), nullable=True),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("identifier_type", sa.String(length=200), nullable=True),
        sa.Column("at_type", sa.String(length=100), nullable=True),
        sa.Column("at_base_type", sa.String(length=100), nullable=True),
        sa.Column("at_schema_location", sa.String(length=500), nullable=True),
        sa.Column(
            "extension",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_pk"],
            ["product_order.pk"],
            name=op.f("fk_product_order_external_identifier_order_pk_product_order"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_product_order_external_identifier")),
    )
    with op.batch_alter_table("product_order_external_identifier", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_product_order_external_identifier_identifier"), ["identifier"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_product_order_external_identifier_order_pk"), ["order_pk"], unique=False
        )

    op.create_table(
        "product_order_item",
        sa.Column("order_pk", sa.Integer(), nullable=True),
        sa.Column("parent_item_pk", sa.Integer(), nullable=True),
        sa.Column("item_id", sa.String(length=100), nullable=True),
        sa.Column("action", sa.String(length=20), nullable=True),
        sa.Column("state", sa.String(length=50), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=True),
        sa.Column("product_offering_id", sa.String(length=200), nullable=True),
        sa.Column("product_offering_name", sa.String(length=500), nullable=True),
        sa.Column("at_type", sa.String(length=100), nullable=True),
        sa.Column("at_base_type", sa.String(length=100), nullable=True),
        sa.Column("at_schema_location", sa.String(length=500), nullable=True),
        sa.Column(
            "extension",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_pk"],
            ["product_order.pk"],
            name=op.f("fk_product_order_item_order_pk_product_order"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["parent_item_pk"],
            ["product_order_item.pk"],
            name=op.f("fk_product_order_item_parent_item_pk_product_order_item"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_product_order_item")),
    )
    with op.batch_alter_table("product_order_item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_product_order_item_order_pk"), ["order_pk"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_product_order_item_parent_item_pk"), ["parent_item_pk"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_product_order_item_product_offering_id"), ["product_offering_id"], unique=False
        )

    op.create_table(
        "product_order_note",
        sa.Column("order_pk", sa.Integer(), nullable=False),
        sa.Column("note_id", sa.String(length=200), nullable=True),
        sa.Column("author", sa.String(length=500), nullable=True),
        sa.Column("date", sid_model.base.UTCDateTime(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("at_type", sa.String(length=100), nullable=True),
        sa.Column("at_base_type", sa.String(length=100), nullable=True),
        sa.Column("at_schema_location", sa.String(length=500), nullable=True),
        sa.Column(
            "extension",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_pk"],
            ["product_order.pk"],
            name=op.f("fk_product_order_note_order_pk_product_order"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_product_order_note")),
    )
    with op.batch_alter_table("product_order_note", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_product_order_note_order_pk"), ["order_pk"], unique=False)

    op.create_table(
        "product_order_related_party",
        sa.Column("order_pk", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=200), nullable=True),
        sa.Column("party_id", sa.String(length=200), nullable=True),
        sa.Column("party_href", sa.String(length=500), nullable=True),
        sa.Column("party_name", sa.String(length=500), nullable=True),
        sa.Column("party_referred_type", sa.String(length=100), nullable=True),
        sa.Column("party_at_type", sa.String(length=100), nullable=True),
        sa.Column("at_type", sa.String(length=100), nullable=True),
        sa.Column("at_base_type", sa.String(length=100), nullable=True),
        sa.Column("at_schema_location", sa.String(length=500), nullable=True),
        sa.Column(
            "extension",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_pk"],
            ["product_order.pk"],
            name=op.f("fk_product_order_related_party_order_pk_product_order"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_product_order_related_party")),
    )
    with op.batch_alter_table("product_order_related_party", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_product_order_related_party_order_pk"), ["order_pk"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_product_order_related_party_party_id"), ["party_id"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("product_order_related_party", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_order_related_party_party_id"))
        batch_op.drop_index(batch_op.f("ix_product_order_related_party_order_pk"))

    op.drop_table("product_order_related_party")
    with op.batch_alter_table("product_order_note", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_order_note_order_pk"))

    op.drop_table("product_order_note")
    with op.batch_alter_table("product_order_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_order_item_product_offering_id"))
        batch_op.drop_index(batch_op.f("ix_product_order_item_parent_item_pk"))
        batch_op.drop_index(batch_op.f("ix_product_order_item_order_pk"))

    op.drop_table("product_order_item")
    with op.batch_alter_table("product_order_external_identifier", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_order_external_identifier_order_pk"))
        batch_op.drop_index(batch_op.f("ix_product_order_external_identifier_identifier"))

    op.drop_table("product_order_external_identifier")
    with op.batch_alter_table("product_order", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_order_state"))
        batch_op.drop_index(batch_op.f("ix_product_order_order_date"))
        batch_op.drop_index(batch_op.f("ix_product_order_billing_account_id"))

    op.drop_table("product_order")
    with op.batch_alter_table("cancel_product_order", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cancel_product_order_state"))
        batch_op.drop_index(batch_op.f("ix_cancel_product_order_product_order_id"))
        batch_op.drop_index(batch_op.f("ix_cancel_product_order_creation_date"))

    op.drop_table("cancel_product_order")
