"""Lead photos: size-limited, type sniffed from the bytes (never the file name or the client's header),
stored under the data directory (outside every static path) by content hash, served only through
``access_lead``."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from dutyroom.common.errors import ValidationFailed

MAX_PHOTO_BYTES = 5 * 1024 * 1024
MAX_PHOTOS = 4
SIGNATURES: tuple[tuple[bytes, int, str, str], ...] = (  # (magic, offset, content type, extension)
    (b"\xff\xd8\xff", 0, "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", 0, "image/png", "png"),
    (b"WEBP", 8, "image/webp", "webp"),
)


@dataclass(frozen=True)
class Upload:
    name: str
    data: bytes


@dataclass(frozen=True)
class StoredPhoto:
    path: str
    content_type: str
    size: int
    sha256: str


def sniff(data: bytes) -> tuple[str, str] | None:
    """(content type, extension) from the first bytes, or None for anything that is not a photo we accept."""
    for magic, offset, content_type, ext in SIGNATURES:
        if data[offset : offset + len(magic)] == magic and (ext != "webp" or data[:4] == b"RIFF"):
            return content_type, ext
    return None


def photos_root() -> Path:
    root = Path(settings.DUTYROOM_UPLOADS_DIR) / "leads"
    root.mkdir(parents=True, exist_ok=True)
    return root


def photos_check(uploads: list[Upload]) -> list[tuple[Upload, str, str]]:
    """Every upload's sniffed type, or a 400 naming ``photos`` and why."""
    if len(uploads) > MAX_PHOTOS:
        raise ValidationFailed.one("photos", f"最多上传 {MAX_PHOTOS} 张照片", f"at most {MAX_PHOTOS} photos")
    checked = []
    for upload in uploads:
        if len(upload.data) > MAX_PHOTO_BYTES:
            raise ValidationFailed.one("photos", f"照片 {upload.name} 超过 5 MB", f"photo {upload.name} is over 5 MB")
        kind = sniff(upload.data)
        if kind is None:
            raise ValidationFailed.one(
                "photos",
                f"{upload.name} 不是 JPEG、PNG 或 WebP 图片",
                f"{upload.name} is not a JPEG, PNG or WebP image",
            )
        checked.append((upload, *kind))
    return checked


def photo_store(upload: Upload, content_type: str, ext: str) -> StoredPhoto:
    """Write by content hash (the same photo sent twice is stored once; a rolled-back lead leaves a file
    that nothing points at, never a row that points at nothing)."""
    digest = hashlib.sha256(upload.data).hexdigest()
    relative = f"{digest[:2]}/{digest}.{ext}"
    target = photos_root() / relative
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        temp = target.with_suffix(".part")
        temp.write_bytes(upload.data)
        temp.replace(target)
    return StoredPhoto(path=relative, content_type=content_type, size=len(upload.data), sha256=digest)


def photo_path(relative: str) -> Path:
    root = photos_root().resolve()
    path = (root / relative).resolve()
    if root not in path.parents:
        raise FileNotFoundError(relative)
    return path
