"""Placeholder until this page is built."""

import streamlit as st

from ui.frame import page_context

ctx = page_context("whatif")
st.title(ctx.t("nav_whatif"))
