"""Projector mode for steering-committee meetings: four slides, large text, no sidebar.

Filters come from the URL (year, period, area, lang), as do the slide (`slide`), the
auto-advance interval in seconds (`every`, default 20) and `play=0` to open paused.
Under the slide of the communes behind, "Giao việc" links for the four most behind (issue 15).
"""

from ui import followup_view as fv
from ui import projector as proj
from ui.frame import page_context

ctx = page_context("projector")
proj.style()
proj.start()
proj.show(ctx, under={"offtrack": fv.assign_row})
