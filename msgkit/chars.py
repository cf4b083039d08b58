"""Characters XML 1.0 cannot carry at all, not even as a character reference.

Apart from :mod:`msgkit.model`, which uses it too, so that checking markup does not import the
message model.
"""

from __future__ import annotations

import re

__all__ = ["NOT_XML"]

NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
