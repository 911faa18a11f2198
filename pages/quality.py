"""Placeholder until this page is built."""

import streamlit as st

from ui.frame import page_context

ctx = page_context("quality")
st.title(ctx.t("nav_quality"))
