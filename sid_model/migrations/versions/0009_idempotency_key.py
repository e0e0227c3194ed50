"""idempotency key: POSTs retried with one Idempotency-Key create once and get the first response

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 12:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from sid_model.base import UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "idempotency_key",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("api", sa.String(length=20), nullable=False),
        sa.Column("version", sa.String(length=10), nullable=False),
        sa.Column("path", sa.String(length=100), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("created", UTCDateTime(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("headers", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=True),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_idempotency_key")),
        sa.UniqueConstraint("api", "version", "path", "key", name=op.f("uq_idempotency_key_api")),
    )
    op.create_index(op.f("ix_idempotency_key_created"), "idempotency_key", ["created"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_idempotency_key_created"), table_name="idempotency_key")
    op.drop_table("idempotency_key")
