"""Serving what users uploaded (business plans, project images, objection evidence) and copies
made from it (a judge's watermarked plan): one response shape for all of them.

Every such response carries

* ``X-Content-Type-Options: nosniff`` and the content type the upload was checked to be, so a
  browser never reads an uploaded file as HTML or script;
* ``Content-Security-Policy`` with ``sandbox``: whatever the document is, it runs in an opaque
  origin, away from the platform's cookies and pages. Images and attachments get
  ``sandbox; default-src 'none'``. PDFs shown inline get ``sandbox allow-scripts`` — still an
  opaque origin, but the browser's own viewer may run (Safari blocks its PDF viewer under a bare
  ``sandbox``; Chrome draws PDFs in a separate viewer and ignores the header);
* ``Cache-Control: private, no-store`` (behind permission checks: no shared or disk cache),
  ``Referrer-Policy: no-referrer`` and ``Cross-Origin-Resource-Policy: same-origin``;
* ``Content-Disposition`` from Django's ``content_disposition_header`` (RFC 6266/5987 for
  non-ASCII names): ``inline`` to view, ``attachment`` to download.

The platform's security middleware keeps a policy a response already has, so this one stands.
"""

from __future__ import annotations

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpResponse
from django.utils.http import content_disposition_header

SANDBOX = "sandbox; default-src 'none'"
PDF_SANDBOX = "sandbox allow-scripts"


def upload_response(
    source: FieldFile | bytes, *, content_type: str, filename: str, inline: bool = True
) -> HttpResponse:
    """The response for an uploaded file (a stored ``FieldFile``, streamed) or bytes made from one.
    A stored file that has gone missing answers 404."""
    if isinstance(source, bytes | bytearray):
        response: HttpResponse = HttpResponse(bytes(source), content_type=content_type)
    else:
        try:
            handle = source.open("rb")
        except FileNotFoundError as exc:
            raise Http404("uploaded file missing") from exc
        response = FileResponse(handle, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment=not inline, filename=filename)
    pdf_inline = inline and content_type == "application/pdf"
    response["Content-Security-Policy"] = PDF_SANDBOX if pdf_inline else SANDBOX
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response
