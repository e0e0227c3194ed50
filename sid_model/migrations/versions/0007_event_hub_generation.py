"""event hub generation: a per-API counter of subscription changes, so servers cache subscriptions

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 09:55:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "event_hub_generation",
        sa.Column("api", sa.String(length=20), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("api", name=op.f("pk_event_hub_generation")),
    )


def downgrade() -> None:
    op.drop_table("event_hub_generation")
