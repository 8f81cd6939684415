"""Celery tasks of the audit record: thin wrappers around services."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="audit.anchor", ignore_result=True)
def audit_anchor_task() -> int | None:
    """Sign the chain head (beat, every AUDIT_ANCHOR_SECONDS). Without a key: logged, skipped."""
    import logging

    from madoguchi.audit.anchors import AnchorKeyMissing, audit_anchor_create

    try:
        return audit_anchor_create().sequence
    except AnchorKeyMissing as exc:
        logging.getLogger("madoguchi.audit.anchor").error("%s", exc)
        return None
