"""Họp Ban chỉ đạo (being written)."""

from ui.frame import page_context

ctx = page_context("meeting")
