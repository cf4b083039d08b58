"""Whether a third-party plugin may be installed, found without importing any plugin machinery.

``msgkit lint`` asks on every run; the answer is nearly always no, and finding it out must cost
less than importing ``importlib.metadata``, ``pluggy`` or :mod:`msgkit.plugins` would.
"""

from __future__ import annotations

import os
import sys

__all__ = ["ENV_VAR", "GROUP", "may_have_plugins", "selected", "third_party_possible"]

ENV_VAR = "MSGKIT_LOAD_PLUGINS"
GROUP = "msgkit"


def selected() -> set[str] | None:
    """The plugins ``MSGKIT_LOAD_PLUGINS`` names (``None``: unset, every installed one)."""
    value = os.environ.get(ENV_VAR)
    if value is None:
        return None
    return {name.strip() for name in value.split(",") if name.strip()}


def may_have_plugins() -> bool:
    """Whether any distribution on ``sys.path`` declares a ``[msgkit]`` entry point.

    A quick look at the ``entry_points.txt`` files themselves, so the common case (no
    third-party plugin) skips importing ``importlib.metadata`` and parsing every
    distribution's metadata: that is most of what loading plugins costs ``msgkit lint``. Anything
    it cannot read as a plain directory (a zip, an egg) says yes, and the real scan decides.
    """
    marker = f"[{GROUP}]".encode()
    for entry in sys.path:
        if entry.endswith((".egg", ".zip", ".whl")) and os.path.exists(entry):
            return True
        try:
            with os.scandir(entry or ".") as found:
                names = [e.path for e in found if e.name.endswith((".dist-info", ".egg-info"))]
        except NotADirectoryError:
            return True
        except OSError:
            continue
        for path in names:
            try:
                with open(os.path.join(path, "entry_points.txt"), "rb") as handle:
                    if marker in handle.read():
                        return True
            except OSError:
                continue
    return False


def third_party_possible() -> bool:
    """Whether a third-party plugin may load: one is installed and none is switched off."""
    chosen = selected()
    return (chosen is None or bool(chosen)) and may_have_plugins()
