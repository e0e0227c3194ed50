"""event hub

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 05:39:17.782029
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import sid_model.base

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "event_record",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(length=100), nullable=False),
        sa.Column("api", sa.String(length=20), nullable=False),
        sa.Column("version", sa.String(length=10), nullable=False),
        sa.Column("event_type", sa.String(length=100), nullable=False),
        sa.Column("event_time", sid_model.base.UTCDateTime(), nullable=False),
        sa.Column(
            "payload",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_event_record")),
        sa.UniqueConstraint("event_id", name=op.f("uq_event_record_event_id")),
    )
    with op.batch_alter_table("event_record", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_record_event_type"), ["event_type"], unique=False)

    op.create_table(
        "event_subscription",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("api", sa.String(length=20), nullable=False),
        sa.Column("version", sa.String(length=10), nullable=False),
        sa.Column("callback", sa.String(length=2000), nullable=False),
        sa.Column("query", sa.Text(), nullable=True),
        sa.Column("creation_date", sid_model.base.UTCDateTime(), nullable=True),
        sa.Column("at_type", sa.String(length=100), nullable=True),
        sa.Column("at_base_type", sa.String(length=100), nullable=True),
        sa.Column("at_schema_location", sa.String(length=500), nullable=True),
        sa.Column(
            "extension",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_event_subscription")),
        sa.UniqueConstraint("id", name=op.f("uq_event_subscription_id")),
    )
    with op.batch_alter_table("event_subscription", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_subscription_api"), ["api"], unique=False)

    op.create_table(
        "received_event",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("api", sa.String(length=20), nullable=False),
        sa.Column("version", sa.String(length=10), nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.Column("event_type", sa.String(length=100), nullable=True),
        sa.Column("received_at", sid_model.base.UTCDateTime(), nullable=False),
        sa.Column(
            "payload",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_received_event")),
        sa.UniqueConstraint("api", "version", "event_id", name=op.f("uq_received_event_api")),
    )
    with op.batch_alter_table("received_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_received_event_event_type"), ["event_type"], unique=False)

    op.create_table(
        "event_delivery",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("event_pk", sa.Integer(), nullable=False),
        sa.Column("subscription_pk", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sid_model.base.UTCDateTime(), nullable=False),
        sa.Column("lease_until", sid_model.base.UTCDateTime(), nullable=True),
        sa.Column("claimed_by", sa.String(length=100), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created", sid_model.base.UTCDateTime(), nullable=False),
        sa.Column("delivered_at", sid_model.base.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_pk"],
            ["event_record.pk"],
            name=op.f("fk_event_delivery_event_pk_event_record"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["subscription_pk"],
            ["event_subscription.pk"],
            name=op.f("fk_event_delivery_subscription_pk_event_subscription"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_event_delivery")),
        sa.UniqueConstraint("id", name=op.f("uq_event_delivery_id")),
    )
    with op.batch_alter_table("event_delivery", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_delivery_event_pk"), ["event_pk"], unique=False)
        batch_op.create_index(
            "ix_event_delivery_state_next_attempt_at", ["state", "next_attempt_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_event_delivery_subscription_pk"), ["subscription_pk"], unique=False
        )

    op.create_table(
        "event_delivery_attempt",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("delivery_pk", sa.Integer(), nullable=False),
        sa.Column("attempted_at", sid_model.base.UTCDateTime(), nullable=False),
        sa.Column("worker", sa.String(length=100), nullable=True),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["delivery_pk"],
            ["event_delivery.pk"],
            name=op.f("fk_event_delivery_attempt_delivery_pk_event_delivery"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_event_delivery_attempt")),
    )
    with op.batch_alter_table("event_delivery_attempt", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_event_delivery_attempt_delivery_pk"), ["delivery_pk"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("event_delivery_attempt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_delivery_attempt_delivery_pk"))

    op.drop_table("event_delivery_attempt")
    with op.batch_alter_table("event_delivery", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_delivery_subscription_pk"))
        batch_op.drop_index("ix_event_delivery_state_next_attempt_at")
        batch_op.drop_index(batch_op.f("ix_event_delivery_event_pk"))

    op.drop_table("event_delivery")
    with op.batch_alter_table("received_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_received_event_event_type"))

    op.drop_table("received_event")
    with op.batch_alter_table("event_subscription", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_subscription_api"))

    op.drop_table("event_subscription")
    with op.batch_alter_table("event_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_record_event_type"))

    op.drop_table("event_record")
