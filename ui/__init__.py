"""Streamlit building blocks shared by the pages: the frame, cached data, widgets."""
