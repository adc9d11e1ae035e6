"""Images attached to posts: checked from their bytes, re-encoded without EXIF, stored privately.

Nothing is trusted from the upload but its bytes: not the name, not the declared type. Each
image is decoded by Pillow, must be JPEG, PNG or WebP of at most MAX_BYTES, is turned upright
and re-encoded (which drops EXIF, GPS and any other metadata) and written under
CAIDEP_UPLOADS_DIR with a random name. Files are written only when the post is being saved,
and removed again if the transaction fails.
"""

from __future__ import annotations

import io
import os
import secrets
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from core.services import ServiceError

MAX_IMAGES = 4
MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000
FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"),
           "WEBP": ("image/webp", "webp")}


@dataclass
class CleanImage:
    """An accepted image, re-encoded in memory, waiting for its post."""

    data: bytes
    format: str
    width: int
    height: int

    def attach(self, post, position: int) -> None:
        """Write the file under a random name and add its row to the post."""
        from moderation.models import PostImage

        content_type, extension = FORMATS[self.format]
        name = f"{secrets.token_hex(16)}.{extension}"
        path = upload_path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "xb") as fh:
            fh.write(self.data)
        _written().append(path)
        post.images.append(PostImage(position=position, filename=name, content_type=content_type,
                                     width=self.width, height=self.height,
                                     size_bytes=len(self.data)))


def upload_path(name: str) -> Path:
    """Where a stored image lives: two-level fan-out keeps directories small."""
    return Path(current_app.config["CAIDEP_UPLOADS_DIR"]) / name[:2] / name


def _read_limited(upload) -> bytes:
    data = upload.stream.read(MAX_BYTES + 1) if hasattr(upload, "stream") else upload.read()
    if len(data) > MAX_BYTES:
        raise ServiceError(_("Image “%(name)s” is larger than 5 MB.", name=_name(upload)),
                           "images")
    return data


def _name(upload) -> str:
    return (getattr(upload, "filename", "") or _("(unnamed)"))[:80]


def clean(upload) -> CleanImage:
    """Decode, check and re-encode one uploaded file; a clear error for anything else."""
    data = _read_limited(upload)
    not_image = ServiceError(_("“%(name)s” is not a JPEG, PNG or WebP image.", name=_name(upload)),
                             "images")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format
            if kind not in FORMATS:
                raise not_image
            if probe.width * probe.height > MAX_PIXELS:
                raise ServiceError(_("Image “%(name)s” has too many pixels.", name=_name(upload)),
                                   "images")
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            upright = ImageOps.exif_transpose(image)
            return _encode(upright, kind)
    except ServiceError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError,
            SyntaxError):
        raise not_image from None


def _encode(image: Image.Image, kind: str) -> CleanImage:
    """Re-encode without metadata (no exif=, no pnginfo=, no icc_profile=)."""
    out = io.BytesIO()
    if kind == "JPEG":
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        image.save(out, "JPEG", quality=88, optimize=True)
    elif kind == "PNG":
        image.save(out, "PNG", optimize=True)
    else:
        image.save(out, "WEBP", quality=88)
    return CleanImage(out.getvalue(), kind, image.width, image.height)


def clean_all(uploads) -> list[CleanImage]:
    """Check every uploaded file (empty file inputs are ignored); at most four."""
    uploads = [u for u in uploads if u is not None and getattr(u, "filename", "x")]
    if len(uploads) > MAX_IMAGES:
        raise ServiceError(_("At most 4 images per post."), "images")
    return [clean(upload) for upload in uploads]


def _written() -> list:
    from flask import g

    if "caidep_written_images" not in g:
        g.caidep_written_images = []
    return g.caidep_written_images


@contextmanager
def files_rolled_back():
    """Remove the image files written inside the block if the block fails."""
    written = _written()
    start = len(written)
    try:
        yield
    except BaseException:
        for path in written[start:]:
            with suppress(OSError):
                os.unlink(path)
        del written[start:]
        raise
