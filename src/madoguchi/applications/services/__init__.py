"""State changes of drafts and applications. Every write goes through here.

Split by what they do (issue 12):

- ``attachments`` — storing an upload, the validation context, linking attachments;
- ``drafts`` — opening, saving a step, API merges, 代理申請, discarding;
- ``submission`` — a draft becomes an application exactly once (受付番号);
- ``follow_up`` — what follows a submission (review case, receipt) with its sweeper, withdrawal;
- ``follow_up_run`` — how a worker process runs its follow-up tasks (paced, growing batches);
- ``follow_up_gate`` — where the one-task-per-burst gate keeps its key (a store every process shares);
- ``payment_wait`` — an application waiting for its fee before 受付 completes (paid, or closed);
- ``status`` — the back office's status changes and timeline lines.

Callers keep writing ``from madoguchi.applications import services; services.draft_start(...)``:
the public names are re-exported here.
"""

from madoguchi.applications.constants import PROXY_REQUESTED_KEY
from madoguchi.applications.services.attachments import (
    attachment_create,
    attachments_link,
    validation_context,
)
from madoguchi.applications.services.drafts import (
    draft_attachment_add,
    draft_create,
    draft_discard,
    draft_prepare,
    draft_save_step,
    draft_set_proxy,
    draft_start,
    draft_update,
    draft_values_clean,
    procedure_for_draft,
    storage_failed_message,
)
from madoguchi.applications.services.follow_up import (
    application_follow_up,
    application_follow_up_dispatch,
    application_withdraw,
    applications_follow_up_batch,
    applications_follow_up_sweep,
    applications_waiting_count,
    follow_up_task_started,
)
from madoguchi.applications.services.follow_up_run import (
    applications_follow_up_run,
    follow_up_is_covered,
    follow_up_pace_forget,
    follow_up_queued_at,
)
from madoguchi.applications.services.payment_wait import (
    application_close_unpaid,
    application_payment_received,
)
from madoguchi.applications.services.status import application_event_add, application_status_set
from madoguchi.applications.services.submission import (
    application_submit,
    application_submit_own_draft,
    application_submit_values,
    application_submit_with_result,
    files_through_drafts_message,
)

__all__ = [
    "PROXY_REQUESTED_KEY",
    "application_close_unpaid",
    "application_event_add",
    "application_follow_up",
    "application_status_set",
    "application_follow_up_dispatch",
    "application_payment_received",
    "application_submit",
    "application_submit_own_draft",
    "application_submit_values",
    "application_submit_with_result",
    "application_withdraw",
    "applications_follow_up_batch",
    "applications_follow_up_run",
    "applications_follow_up_sweep",
    "applications_waiting_count",
    "attachment_create",
    "attachments_link",
    "draft_attachment_add",
    "draft_create",
    "draft_discard",
    "draft_prepare",
    "draft_save_step",
    "draft_set_proxy",
    "draft_start",
    "draft_update",
    "draft_values_clean",
    "files_through_drafts_message",
    "follow_up_is_covered",
    "follow_up_pace_forget",
    "follow_up_queued_at",
    "follow_up_task_started",
    "procedure_for_draft",
    "storage_failed_message",
    "validation_context",
]
