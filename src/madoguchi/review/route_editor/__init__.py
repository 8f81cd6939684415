"""The route editor (審査経路の設定画面) under /staff/routes/: owner/admin staff define routes without code.

A route that a case already uses is never changed in place: saving it creates a new route
(the old one stays for its cases). See docs/backoffice.md, "Editing routes".
"""
