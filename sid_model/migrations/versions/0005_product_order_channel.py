"""product order channels

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 06:05:34.839510
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "product_order_channel",
        sa.Column("order_pk", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=200), nullable=True),
        sa.Column("entity_id", sa.String(length=200), nullable=True),
        sa.Column("entity_href", sa.String(length=500), nullable=True),
        sa.Column("entity_name", sa.String(length=500), nullable=True),
        sa.Column("entity_referred_type", sa.String(length=100), nullable=True),
        sa.Column("entity_at_type", sa.String(length=100), nullable=True),
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
            name=op.f("fk_product_order_channel_order_pk_product_order"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_product_order_channel")),
    )
    with op.batch_alter_table("product_order_channel", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_product_order_channel_entity_id"), ["entity_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_product_order_channel_entity_referred_type"),
            ["entity_referred_type"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_product_order_channel_order_pk"), ["order_pk"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("product_order_channel", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_order_channel_order_pk"))
        batch_op.drop_index(batch_op.f("ix_product_order_channel_entity_referred_type"))
        batch_op.drop_index(batch_op.f("ix_product_order_channel_entity_id"))

    op.drop_table("product_order_channel")
