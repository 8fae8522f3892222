"""The scripts a report page inlines: the pinned Vega-Lite toolchain and the page's own behaviour.

The vega, vega-lite and vega-embed builds are the exact files of those npm packages (versions and
SHA-256 below, licences beside them in ``vendor/``), kept once in the package and inlined into every page
that has a chart when it is rendered, so a page opens from disk with no request. ``report.js`` draws the
charts, sorts and filters tables and highlights a persona across a page.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from markupsafe import Markup

VENDOR_DIR = Path(__file__).with_name("vendor")
PAGE_SCRIPT = Path(__file__).with_name("report.js")


@dataclass(frozen=True)
class VendoredLibrary:
    """One vendored build: the npm package, its version, the file from its ``build/`` folder and the
    file's SHA-256 (checked when it is read, so a modified copy is never inlined)."""

    package: str
    version: str
    file_name: str
    sha256: str

    @property
    def path(self) -> Path:
        return VENDOR_DIR / self.file_name


LIBRARIES = (
    VendoredLibrary("vega", "6.4.0", "vega.min.js",
                    "8f6a3587cf8d4f42c7e08120e3eb05d067e746d554e39d2dcf52acc0bd5ba28f"),
    VendoredLibrary("vega-lite", "6.5.0", "vega-lite.min.js",
                    "83e215e84e308ee8688fa6503ba0f1cf8a3c05c0d61df2841a0b92bf86809e00"),
    VendoredLibrary("vega-embed", "7.3.0", "vega-embed.min.js",
                    "b1455caba2fb1a72fb46025ba0ba1316e2dbc7f0dd40a3f6040172bf9c08ba91"),
)


def _script(name: str, source: str) -> Markup:
    if "</script" in source.lower():
        raise ValueError(f"{name} contains '</script' and cannot be inlined")
    return Markup(f'<script data-library="{name}">\n{source}\n</script>\n')


@lru_cache(maxsize=1)
def library_scripts() -> Markup:
    """The three library builds as inline ``<script>`` elements, in load order (read once per process)."""
    return Markup("").join(_script(f"{library.package}@{library.version}", read_library(library))
                           for library in LIBRARIES)


def read_library(library: VendoredLibrary) -> str:
    """The library's source, after checking it is the pinned build (an error naming the file if not)."""
    source = library.path.read_bytes()
    digest = hashlib.sha256(source).hexdigest()
    if digest != library.sha256:
        raise ValueError(f"{library.path} is not the pinned {library.package} {library.version} build "
                         f"(SHA-256 {digest}, expected {library.sha256})")
    return source.decode("utf-8")


@lru_cache(maxsize=1)
def page_script() -> Markup:
    """The page's own behaviour (``report.js``) as an inline ``<script>`` element."""
    return _script("report", PAGE_SCRIPT.read_text(encoding="utf-8"))
