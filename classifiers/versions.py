"""Versions of the libraries a model was trained with (recorded in the sidecar and benchmarks)."""

import platform
from importlib.metadata import PackageNotFoundError, version

_PACKAGES = ("scikit-learn", "skops", "numpy", "scipy", "underthesea")


def library_versions() -> dict[str, str]:
    """Python and library versions, so a model can be traced to what produced it."""
    out = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "absent"
    return out
