"""Directions, follow-up events, notes on figures and steering-committee meetings.

Revision ID: 0005
Revises: 0004

Issue 15: a steering committee gives directions (chỉ đạo) bound to a commune, an
indicator or a cell (commune x indicator x year) and checks them at the next meeting.

- `direction`: the direction itself; never deleted (status `cancelled` instead).
  "Overdue" (quá hạn) is not stored: it is `in_progress` past its due date.
- `direction_event`: every change (created, status, note, edit) with who and when;
  the direction's audit trail and its follow-up notes.
- `figure_note`: a dated explanation attached to a value (ghi chú).
- `meeting`: a meeting for a date and an area, with the frozen snapshot of the
  figures the committee saw (JSON) and its conclusions.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "meeting",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("org_unit_id", sa.Integer, sa.ForeignKey("org_unit.id"), nullable=False, index=True),
        sa.Column("meeting_date", sa.Date, nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("period", sa.String(2), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("chaired_by", sa.String(200)),
        sa.Column("conclusions", sa.Text),
        sa.Column("snapshot", sa.Text),  # JSON: the progress rows as the committee saw them
        sa.Column("opened_by", sa.String(120), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("period IN ('H1', 'FY')", name="ck_meeting_period"),
    )
    op.create_table(
        "direction",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("org_unit_id", sa.Integer, sa.ForeignKey("org_unit.id"), nullable=False, index=True),
        sa.Column("indicator_id", sa.String(64)),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("due", sa.Date, nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("meeting_id", sa.Integer, sa.ForeignKey("meeting.id")),
        sa.Column("created_by", sa.String(120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('in_progress', 'done', 'cancelled')", name="ck_direction_status"),
    )
    op.create_index("ix_direction_due", "direction", ["status", "due"])
    op.create_table(
        "direction_event",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("direction_id", sa.Integer, sa.ForeignKey("direction.id"), nullable=False, index=True),
        sa.Column("action", sa.String(12), nullable=False),  # created | status | note
        sa.Column("old_status", sa.String(12)),
        sa.Column("new_status", sa.String(12)),
        sa.Column("note", sa.Text),
        sa.Column("author", sa.String(120), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, index=True),
    )
    op.create_table(
        "figure_note",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("org_unit_id", sa.Integer, sa.ForeignKey("org_unit.id"), nullable=False),
        sa.Column("indicator_id", sa.String(64), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("period", sa.String(2), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("author", sa.String(120), nullable=False),
        sa.Column("noted_on", sa.Date, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("period IN ('H1', 'FY')", name="ck_figure_note_period"),
    )
    op.create_index("ix_figure_note_cell", "figure_note", ["year", "period", "indicator_id", "org_unit_id"])


def downgrade() -> None:
    op.drop_index("ix_figure_note_cell", table_name="figure_note")
    op.drop_table("figure_note")
    op.drop_table("direction_event")
    op.drop_index("ix_direction_due", table_name="direction")
    op.drop_table("direction")
    op.drop_table("meeting")
