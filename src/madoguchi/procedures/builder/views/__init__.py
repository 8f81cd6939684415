"""Builder pages under /builder/ (staff: 手続所管 or 管理者). Work without JavaScript.

One module per job: ``catalog`` (lists, a new procedure, templates), ``editor`` (the draft:
steps, fields, settings, undo), ``preview``, ``versions`` (publish, diff, restore, share),
``exchange`` (import/export), ``bulk`` (一括提出). Each view parses the request, calls one
service or selector, and renders or redirects. builder.js only adds drag and drop on top.
"""
