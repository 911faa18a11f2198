"""Org units identified by code *and* validity: a code may name another unit in another era.

Revision ID: 0004
Revises: 0003

Since the 2025 reform almost every new commune reuses a 2024 code (`07615` was Thị
trấn An Châu, it is Xã Sơn Động from 01/07/2025), so `org_unit.code` can no longer be
unique. A unit is now unique by (code, valid_from); an open start counts as the
earliest day. Every existing row, figure, audit entry and grant keeps its unit id, so
no figure moves: they stay on the unit their period meant.

SQLite cannot drop the unnamed UNIQUE(code) of 0001 in place: the table is rebuilt
(Alembic batch mode) with foreign-key enforcement off for the copy, and checked after.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# An open start (NULL) must still collide with another open start of the same code.
_FROM = "coalesce(valid_from, '1900-01-01')"


def _sqlite_fk(bind, on: bool) -> None:  # noqa: ANN001 - an Alembic connection
    """PRAGMA foreign_keys only takes effect outside a transaction: end the one open."""
    raw = bind.connection.dbapi_connection
    if raw.in_transaction:
        raw.commit()
    raw.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        _sqlite_fk(bind, False)
        with op.batch_alter_table(
            "org_unit",
            recreate="always",
            naming_convention={"uq": "uq_%(table_name)s_%(column_0_name)s"},
        ) as batch:
            batch.drop_constraint("uq_org_unit_code", type_="unique")
        broken = bind.connection.dbapi_connection.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"0004: foreign keys broken after rebuilding org_unit: {broken[:5]}")
        _sqlite_fk(bind, True)
    else:
        name = next(
            (
                uc["name"]
                for uc in sa.inspect(bind).get_unique_constraints("org_unit")
                if uc["column_names"] == ["code"]
            ),
            "org_unit_code_key",
        )
        op.drop_constraint(name, "org_unit", type_="unique")
    op.create_index("ix_org_unit_code", "org_unit", ["code"])
    op.create_index("uq_org_unit_code_from", "org_unit", ["code", sa.text(_FROM)], unique=True)


def downgrade() -> None:
    # Only possible while every code names one unit (before a second era was loaded).
    op.drop_index("uq_org_unit_code_from", table_name="org_unit")
    op.drop_index("ix_org_unit_code", table_name="org_unit")
    with op.batch_alter_table("org_unit") as batch:
        batch.create_unique_constraint("uq_org_unit_code", ["code"])
