"""Optional login for the app, off by default; the logged-in name goes to the audit trail.

Two ways to turn it on, both in `.streamlit/secrets.toml` (never commit that file):

* an `[auth]` section: Streamlit's built-in OpenID Connect login (`st.login()`), e.g. with
  Microsoft Entra or Google; the user is the identity's e-mail (or name);
* a `[passwords]` table of `user = "scrypt:..."` lines (`inspection-qa hash-password USER`
  prints one): a login form that stops the page until a listed user gives the right password.

With neither, the app is open to whoever can reach it, and the user is "local"; when it then
listens on anything but the loopback address a WARNING is logged once.

The password part is plain functions (no Streamlit), tested on their own.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import re
import secrets as _secrets
import time
from dataclasses import dataclass, field
from typing import Any, Mapping

log = logging.getLogger(__name__)

LOCAL_USER = "local"
SESSION_KEY = "auth_user"
SCHEME = "scrypt"
# scrypt cost: 2**14 * 8 * 128 bytes = 16 MiB and ~50 ms per check on a laptop
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
MAX_N, MAX_R, MAX_P = 2**17, 16, 4  # refuse hashes that would make one check cost more than this
KEY_BYTES = 32
FAILURE_DELAY_S = 1.0  # after a wrong password, slowing guessing through the form
USERNAME = re.compile(r"^[A-Za-z0-9._@-]{1,64}$")
LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}

_warned_exposed = False


# -- passwords -------------------------------------------------------------------------------

def valid_username(name: str) -> bool:
    return bool(USERNAME.match(name or ""))


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=KEY_BYTES,
                          maxmem=128 * n * r * p + 1024 * 1024)


def hash_password(password: str, salt: bytes | None = None) -> str:
    """`scrypt:N:r:p:SALT:KEY` (hex), the form a `[passwords]` entry takes."""
    salt = salt if salt is not None else _secrets.token_bytes(16)
    key = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return f"{SCHEME}:{SCRYPT_N}:{SCRYPT_R}:{SCRYPT_P}:{salt.hex()}:{key.hex()}"


def _parse(stored: str) -> tuple[int, int, int, bytes, bytes] | None:
    parts = str(stored).strip().split(":")
    if len(parts) != 6 or parts[0] != SCHEME:
        return None
    try:
        n, r, p = int(parts[1]), int(parts[2]), int(parts[3])
        salt, key = bytes.fromhex(parts[4]), bytes.fromhex(parts[5])
    except ValueError:
        return None
    if not (2 <= n <= MAX_N and n & (n - 1) == 0 and 1 <= r <= MAX_R and 1 <= p <= MAX_P and salt and len(key) == KEY_BYTES):
        return None
    return n, r, p, salt, key


_DUMMY = None


def _dummy_hash() -> str:
    global _DUMMY
    if _DUMMY is None:
        _DUMMY = hash_password(_secrets.token_hex(16))
    return _DUMMY


def verify_password(stored: str, password: str) -> bool:
    """Whether `password` matches the `scrypt:...` hash `stored`; a malformed hash matches nothing."""
    parsed = _parse(stored)
    if parsed is None:
        return False
    n, r, p, salt, key = parsed
    return hmac.compare_digest(_scrypt(password, salt, n, r, p), key)


def check_password(passwords: Mapping[str, Any], user: str, password: str) -> bool:
    """Whether `user` is listed in `passwords` (user -> hash) and `password` is theirs.

    An unknown user costs the same time as a known one, so timing does not tell which names exist.
    """
    stored = passwords.get(user) if user else None
    if not isinstance(stored, str) or not password:
        verify_password(_dummy_hash(), password or "")
        return False
    if _parse(stored) is None:
        log.warning("the [passwords] entry for %r is not a scrypt hash; make one with `inspection-qa hash-password %s`",
                    user, user)
        return False
    return verify_password(stored, password)


# -- configuration -----------------------------------------------------------------------------

@dataclass(frozen=True)
class LoginConfig:
    mode: str | None = None  # None (no login) | "oidc" | "password"
    passwords: Mapping[str, str] = field(default_factory=dict)
    provider: str | None = None  # the [auth.NAME] provider for st.login, when [auth] names several


def login_config(secrets: Any) -> LoginConfig:
    """What the secrets ask for: `[auth]` wins over `[passwords]`; neither means no login.

    Raises FileNotFoundError when there is no secrets file at all (Streamlit's own error
    subclasses it), which the caller reads as "no login".
    """
    if "auth" in secrets:
        auth = secrets["auth"]
        providers = [k for k in auth if isinstance(auth[k], Mapping)] if isinstance(auth, Mapping) else []
        provider = None
        if isinstance(auth, Mapping) and "client_id" not in auth and providers:
            provider = providers[0]
        return LoginConfig("oidc", provider=provider)
    if "passwords" in secrets:
        table = secrets["passwords"]
        if isinstance(table, Mapping) and table:
            return LoginConfig("password", passwords={str(k): str(v) for k, v in table.items()})
    return LoginConfig()


def is_loopback(address: str | None) -> bool:
    """Whether a server address is reachable from this machine only (unset = every interface)."""
    if not address:
        return False
    host = address.strip().strip("[]").lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def warn_if_exposed(address: str | None, mode: str | None) -> bool:
    """Log one WARNING per process when the app serves beyond loopback with no login; True if it did now."""
    global _warned_exposed
    if mode is not None or is_loopback(address) or _warned_exposed:
        return False
    _warned_exposed = True
    where = address if address else "every network interface (server.address is unset)"
    log.warning(
        "the app listens on %s with no login configured: anyone who can reach it can read, upload and remove "
        "documents. Add a [passwords] or [auth] section to .streamlit/secrets.toml (README, 'Access'), "
        "or serve on 127.0.0.1 only (--server.address 127.0.0.1).", where,
    )
    return True


# -- the Streamlit gate --------------------------------------------------------------------------

def current_config() -> LoginConfig:
    """The login the app's secrets ask for; stops the page if the secrets file is unreadable."""
    import streamlit as st

    try:
        return login_config(st.secrets)
    except FileNotFoundError:
        return LoginConfig()
    except Exception as exc:  # a malformed secrets.toml: fail closed, login may have been intended
        st.error(f"The app's secrets file cannot be read ({type(exc).__name__}); fix .streamlit/secrets.toml.",
                 icon=":material/lock:")
        st.stop()
        raise  # pragma: no cover  (st.stop raises)


def require_user() -> str:
    """The user of this session: "local" with no login; otherwise shows a login and stops the page until one."""
    import streamlit as st

    config = current_config()
    warn_if_exposed(st.get_option("server.address"), config.mode)
    if config.mode is None:
        return LOCAL_USER
    if config.mode == "oidc":
        return _oidc_user(st, config)
    return _password_user(st, config)


def _oidc_user(st, config: LoginConfig) -> str:
    if not st.user.is_logged_in:
        st.title("Inspection QA")
        st.caption("Log in to ask questions of the inspection documents.")
        st.button("Log in", icon=":material/login:", on_click=st.login,
                  args=(config.provider,) if config.provider else ())
        st.stop()
    return str(st.user.get("email") or st.user.get("name") or st.user.get("sub") or "unknown")


def _password_user(st, config: LoginConfig) -> str:
    user = st.session_state.get(SESSION_KEY)
    if isinstance(user, str) and user in config.passwords:
        return user
    st.session_state.pop(SESSION_KEY, None)
    st.title("Inspection QA")
    with st.form("login"):
        name = st.text_input("User name", key="login_user", autocomplete="username")
        password = st.text_input("Password", type="password", key="login_password", autocomplete="current-password")
        submitted = st.form_submit_button("Log in", icon=":material/login:")
    if submitted:
        name = (name or "").strip()
        if check_password(config.passwords, name, password or ""):
            st.session_state[SESSION_KEY] = name
            st.rerun()
        time.sleep(FAILURE_DELAY_S)
        st.error("Wrong user name or password.", icon=":material/lock:")
    st.stop()
    raise AssertionError("unreachable")  # pragma: no cover


def logout_button() -> None:
    """A "Log out" button for the sidebar, when a login is configured."""
    import streamlit as st

    config = current_config()
    if config.mode == "oidc":
        st.button("Log out", icon=":material/logout:", on_click=st.logout, width="stretch")
    elif config.mode == "password" and st.session_state.get(SESSION_KEY):
        if st.button("Log out", icon=":material/logout:", width="stretch", key="logout"):
            for key in list(st.session_state.keys()):  # the chat and filters go with the user
                del st.session_state[key]
            st.rerun()
