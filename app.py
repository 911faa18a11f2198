"""The frame: page config, navigation and the global filters; pages do the rest."""

from ui.frame import run_in_frame, start

run_in_frame(start())
