"""Applicant pages (HTML, no JavaScript needed).

start → one page per step → 確認画面 → receipt (PRG) → status page, plus the list of
drafts and applications. Views parse the request, call one service or selector and
render; navigation rules are reads in selectors.py.
"""

from madoguchi.applications.views.drafts import (
    draft_confirm,
    draft_discard,
    draft_proxy,
    draft_resume,
    draft_step,
)
from madoguchi.applications.views.start import start, start_resume, start_step
from madoguchi.applications.views.submitted import (
    attachment_download,
    detail,
    mine,
    receipt,
    receipt_pdf_view,
    withdraw,
)

__all__ = [
    "attachment_download",
    "detail",
    "draft_confirm",
    "draft_discard",
    "draft_proxy",
    "draft_resume",
    "draft_step",
    "mine",
    "receipt",
    "receipt_pdf_view",
    "start",
    "start_resume",
    "start_step",
    "withdraw",
]
