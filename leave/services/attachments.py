"""Proofs kept between a form that came back with errors and the submission (PendingAttachment).

The leave form keeps what was typed; a file input cannot be refilled by the server, so the files are
kept here instead, shown by name, and handed to ``leave_request_submit`` when the form goes through.
"""

import datetime as dt
from collections.abc import Iterable
from functools import partial

from django.conf import settings
from django.core.files.base import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from leave.errors import LeaveError
from leave.models import PendingAttachment
from leave.selectors import PENDING_ATTACHMENT_HOURS
from leave.services.requests import check_attachment
from staff.models import StaffMember


def keep_hours() -> int:
    return int(getattr(settings, "LEAVE_PENDING_ATTACHMENT_HOURS", PENDING_ATTACHMENT_HOURS))


def pending_attachments_store(
    *, owner: StaffMember, uploads: "Iterable[UploadedFile[bytes]]"
) -> list[PendingAttachment]:
    """Keep the acceptable uploads (a refused kind or size is not kept: the form says why)."""
    kept = []
    with transaction.atomic():
        for upload in uploads:
            try:
                check_attachment(upload)
            except LeaveError:
                continue
            kept.append(PendingAttachment.objects.create(owner=owner, file=upload, name=(upload.name or "")[:200]))
    return kept


def pending_as_files(kept: Iterable[PendingAttachment]) -> "list[File[bytes]]":
    """Kept files as files to attach (the attachment copies the bytes under its own path)."""
    files: list[File[bytes]] = []
    for pending in kept:
        handle = pending.file.open("rb")
        files.append(File(handle, name=pending.name))
    return files


def pending_attachments_discard(*, kept: Iterable[PendingAttachment]) -> int:
    """Delete kept files (after the submission took them, or when they are dropped); the bytes go after the commit."""
    rows = list(kept)
    for row in rows:
        if row.file.name:
            transaction.on_commit(partial(row.file.storage.delete, row.file.name))
    PendingAttachment.objects.filter(pk__in=[r.pk for r in rows]).delete()
    return len(rows)


def pending_attachments_sweep(*, now: dt.datetime | None = None) -> int:
    """Forget kept files older than LEAVE_PENDING_ATTACHMENT_HOURS (a form left with errors)."""
    cutoff = (now or timezone.now()) - dt.timedelta(hours=keep_hours())
    with transaction.atomic():
        return pending_attachments_discard(kept=PendingAttachment.objects.filter(uploaded_at__lt=cutoff))
