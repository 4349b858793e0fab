"""Start-up shared by every Streamlit page: offline defaults, page config, login, the one cached service.

Import this module before anything else in a page: it sets the offline defaults before Streamlit
(and, through the service, any model library) is imported.
"""

from __future__ import annotations

from .environment import apply_offline_defaults

apply_offline_defaults()

import streamlit as st  # noqa: E402

from core.errors import InspectionQAError  # noqa: E402
from core.settings import Settings  # noqa: E402

from .access import require_user  # noqa: E402
from .environment import settings_from_environment  # noqa: E402
from .markdown_safe import escape_line  # noqa: E402
from .service import QAService  # noqa: E402


@st.cache_resource(show_spinner="Opening the index…")
def get_service(settings: Settings) -> QAService:
    """One service per process and settings, shared by every page. Keyed on every setting (Streamlit hashes
    the frozen dataclass), so a change of any (an audit log switched on, another data folder) opens a service
    of its own. The model and indexes start loading in the background as it opens (`start_warm_up`), so the
    first question after the page shows is answered at a question's speed."""
    service = QAService(settings)
    service.start_warm_up()
    return service


def show_error(exc: Exception) -> None:
    st.error("Error: " + escape_line(str(exc)), icon=":material/error:")


def start_page(page_title: str, icon: str, heading: str | None = None) -> tuple[QAService, str]:
    """Configure the page, gate it behind the login (when one is configured), and open the service,
    refreshed to see what other processes ingested. Returns (service, user). On an error the page
    shows it in one line (under `heading`, if given) and stops."""
    st.set_page_config(page_title=page_title, page_icon=icon, layout="wide")
    user = require_user()  # off unless .streamlit/secrets.toml has [auth] or [passwords]
    try:
        service = get_service(settings_from_environment())
        service.refresh()
    except InspectionQAError as exc:
        if heading:
            st.title(heading)
        show_error(exc)
        st.stop()
    return service, user
