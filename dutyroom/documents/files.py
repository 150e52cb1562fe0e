"""Turning a document into a downloadable file (both renderers behind one call)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from dutyroom.documents.docx_render import docx_bytes
from dutyroom.documents.layout import OfficialDocument
from dutyroom.documents.pdf_render import pdf_bytes

FORMATS = ("docx", "pdf")
CONTENT_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}


@dataclass(frozen=True)
class RenderedFile:
    content: bytes
    content_type: str
    filename: str

    @property
    def disposition(self) -> str:
        """RFC 6266 with an ASCII fallback: browsers and Word keep the Chinese file name."""
        return (
            f'attachment; filename="document.{self.filename.rsplit(".", 1)[-1]}"; '
            f"filename*=UTF-8''{quote(self.filename)}"
        )


def render(document: OfficialDocument, fmt: str, stem: str) -> RenderedFile:
    content = docx_bytes(document) if fmt == "docx" else pdf_bytes(document)
    return RenderedFile(content, CONTENT_TYPES[fmt], f"{stem}.{fmt}")
