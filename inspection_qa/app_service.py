"""The service the Streamlit pages share: one per process and settings (`st.cache_resource`).

Defined once here, so the chat, Documents and Evaluation pages hold the same index and model.
"""

from __future__ import annotations

import os

import streamlit as st

from core.settings import Settings

from .service import QAService


@st.cache_resource(show_spinner="Opening the index…")
def get_service(data_dir: str, embedding_model: str, embedder: str) -> QAService:
    """One service (index and, on first question, the model) per process and settings."""
    settings = Settings.from_env(os.environ, data_dir=data_dir, embedding_model=embedding_model, embedder=embedder)
    return QAService(settings)
