"""SID Product ABE, the product inventory (TMF637): products with their prices, characteristics,
relationships, related parties and order item references

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 20:59:22.512081
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from sid_model.base import UTCDateTime

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

# Serves `extension @> '{…}'`, the engine's equality filters on unmapped attributes.
GIN_TABLES = ["product"]


def upgrade() -> None:
    op.create_table(
        "product",
        sa.Column("name", sa.String(length=500), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=50), nullable=True),
        sa.Column("is_bundle", sa.Boolean(), nullable=True),
        sa.Column("is_customer_visible", sa.Boolean(), nullable=True),
        sa.Column("product_serial_number", sa.String(length=200), nullable=True),
        sa.Column("creation_date", UTCDateTime(), nullable=True),
        sa.Column("order_date", UTCDateTime(), nullable=True),
        sa.Column("start_date", UTCDateTime(), nullable=True),
        sa.Column("termination_date", UTCDateTime(), nullable=True),
        sa.Column("billing_account_id", sa.String(length=200), nullable=True),
        sa.Column("billing_account_href", sa.String(length=500), nullable=True),
        sa.Column("billing_account_name", sa.String(length=500), nullable=True),
        sa.Column("product_offering_id", sa.String(length=200), nullable=True),
        sa.Column("product_offering_href", sa.String(length=500), nullable=True),
        sa.Column("product_offering_name", sa.String(length=500), nullable=True),
        sa.Column("product_specification_id", sa.String(length=200), nullable=True),
        sa.Column("product_specification_href", sa.String(length=500), nullable=True),
        sa.Column("product_specification_name", sa.String(length=500), nullable=True),
        sa.Column("product_specification_version", sa.String(length=50), nullable=True),
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
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_product")),
        sa.UniqueConstraint("id", name=op.f("uq_product_id")),
    )
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_product_billing_account_id"), ["billing_account_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_product_creation_date"), ["creation_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_product_name"), ["name"], unique=False)
        batch_op.create_index(batch_op.f("ix_product_order_date"), ["order_date"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_product_product_offering_id"), ["product_offering_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_product_product_serial_number"), ["product_serial_number"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_product_product_specification_id"), ["product_specification_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_product_start_date"), ["start_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_product_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_product_termination_date"), ["termination_date"], unique=False)

    op.create_table(
        "product_characteristic",
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("value_type", sa.String(length=50), nullable=True),
        sa.Column("product_pk", sa.Integer(), nullable=False),
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
            ["product_pk"],
            ["product.pk"],
            name=op.f("fk_product_characteristic_product_pk_product"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_product_characteristic")),
    )
    with op.batch_alter_table("product_characteristic", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_product_characteristic_name"), ["name"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_product_characteristic_product_pk"), ["product_pk"], unique=False
        )

    op.create_table(
        "product_order_item_ref",
        sa.Column("order_id", sa.String(length=200), nullable=True),
        sa.Column("order_href", sa.String(length=500), nullable=True),
        sa.Column("order_item_id", sa.String(length=100), nullable=True),
        sa.Column("order_item_action", sa.String(length=20), nullable=True),
        sa.Column("role", sa.String(length=200), nullable=True),
        sa.Column("referred_type", sa.String(length=100), nullable=True),
        sa.Column("product_pk", sa.Integer(), nullable=False),
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
            ["product_pk"],
            ["product.pk"],
            name=op.f("fk_product_order_item_ref_product_pk_product"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_product_order_item_ref")),
    )
    with op.batch_alter_table("product_order_item_ref", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_product_order_item_ref_order_id"), ["order_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_product_order_item_ref_product_pk"), ["product_pk"], unique=False
        )

    op.create_table(
        "product_price",
        sa.Column("name", sa.String(length=500), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("price_type", sa.String(length=50), nullable=True),
        sa.Column("recurring_charge_period", sa.String(length=50), nullable=True),
        sa.Column("unit_of_measure", sa.String(length=100), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("tax_excluded_amount", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("tax_included_amount", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("tax_rate", sa.Numeric(precision=7, scale=4), nullable=True),
        sa.Column("product_offering_price_id", sa.String(length=200), nullable=True),
        sa.Column("product_offering_price_href", sa.String(length=500), nullable=True),
        sa.Column("product_offering_price_name", sa.String(length=500), nullable=True),
        sa.Column("valid_from", UTCDateTime(), nullable=True),
        sa.Column("valid_to", UTCDateTime(), nullable=True),
        sa.Column("product_pk", sa.Integer(), nullable=False),
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
            ["product_pk"],
            ["product.pk"],
            name=op.f("fk_product_price_product_pk_product"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_product_price")),
    )
    with op.batch_alter_table("product_price", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_product_price_product_offering_price_id"),
            ["product_offering_price_id"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_product_price_product_pk"), ["product_pk"], unique=False)

    op.create_table(
        "product_related_party",
        sa.Column("product_pk", sa.Integer(), nullable=False),
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
            ["product_pk"],
            ["product.pk"],
            name=op.f("fk_product_related_party_product_pk_product"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_product_related_party")),
    )
    with op.batch_alter_table("product_related_party", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_product_related_party_party_id"), ["party_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_product_related_party_product_pk"), ["product_pk"], unique=False)

    op.create_table(
        "product_relationship",
        sa.Column("relationship_type", sa.String(length=100), nullable=True),
        sa.Column("product_id", sa.String(length=200), nullable=True),
        sa.Column("product_href", sa.String(length=500), nullable=True),
        sa.Column("product_name", sa.String(length=500), nullable=True),
        sa.Column("product_pk", sa.Integer(), nullable=False),
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
            ["product_pk"],
            ["product.pk"],
            name=op.f("fk_product_relationship_product_pk_product"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_product_relationship")),
    )
    with op.batch_alter_table("product_relationship", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_product_relationship_product_id"), ["product_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_product_relationship_product_pk"), ["product_pk"], unique=False)

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
    with op.batch_alter_table("product_relationship", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_relationship_product_pk"))
        batch_op.drop_index(batch_op.f("ix_product_relationship_product_id"))

    op.drop_table("product_relationship")
    with op.batch_alter_table("product_related_party", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_related_party_product_pk"))
        batch_op.drop_index(batch_op.f("ix_product_related_party_party_id"))

    op.drop_table("product_related_party")
    with op.batch_alter_table("product_price", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_price_product_pk"))
        batch_op.drop_index(batch_op.f("ix_product_price_product_offering_price_id"))

    op.drop_table("product_price")
    with op.batch_alter_table("product_order_item_ref", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_order_item_ref_product_pk"))
        batch_op.drop_index(batch_op.f("ix_product_order_item_ref_order_id"))

    op.drop_table("product_order_item_ref")
    with op.batch_alter_table("product_characteristic", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_characteristic_product_pk"))
        batch_op.drop_index(batch_op.f("ix_product_characteristic_name"))

    op.drop_table("product_characteristic")
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_termination_date"))
        batch_op.drop_index(batch_op.f("ix_product_status"))
        batch_op.drop_index(batch_op.f("ix_product_start_date"))
        batch_op.drop_index(batch_op.f("ix_product_product_specification_id"))
        batch_op.drop_index(batch_op.f("ix_product_product_serial_number"))
        batch_op.drop_index(batch_op.f("ix_product_product_offering_id"))
        batch_op.drop_index(batch_op.f("ix_product_order_date"))
        batch_op.drop_index(batch_op.f("ix_product_name"))
        batch_op.drop_index(batch_op.f("ix_product_creation_date"))
        batch_op.drop_index(batch_op.f("ix_product_billing_account_id"))

    op.drop_table("product")
