"""Keep components' state between runs (``state``) and structured data with each halt.

``state`` holds the risk manager's tracker snapshot, so breakers and stops resume where they were
after a restart; ``halts.data`` keeps the numbers that tripped a breaker.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``state``; add ``halts.data``."""
    op.create_table(
        "state",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_state")),
    )
    with op.batch_alter_table("halts") as batch:
        batch.add_column(sa.Column("data", sa.JSON(), nullable=True))


def downgrade() -> None:
    """Drop them (their contents are lost)."""
    with op.batch_alter_table("halts") as batch:
        batch.drop_column("data")
    op.drop_table("state")
