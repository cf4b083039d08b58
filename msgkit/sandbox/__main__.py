"""``python -m msgkit.sandbox ...`` is ``msgkit sandbox ...``, for when no console script is on
the PATH (the pytest fixture starts the server this way, with the running interpreter)."""

from __future__ import annotations

from ..cli.sandbox import sandbox

if __name__ == "__main__":
    sandbox(prog_name="msgkit sandbox")
