"""The bare page the browser times are held against (issue 13.7): one line of text, and a
link to a second such page, served by the same Streamlit in the same browser and run."""

import streamlit as st


def _one() -> None:
    st.write("Xin chào")


def _two() -> None:
    st.write("Trang hai")


ONE = st.Page(_one, title="Một", default=True)  # served at /
TWO = st.Page(_two, title="Hai", url_path="two")
page = st.navigation([ONE, TWO], position="hidden")
st.page_link(TWO if page is ONE else ONE, label="Hai" if page is ONE else "Một")
page.run()
