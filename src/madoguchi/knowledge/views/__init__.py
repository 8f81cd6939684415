"""Pages under /help/: ``public`` (FAQ, search, notices), ``chat`` (the chatbot and the inquiry
form it hands over to), ``staff`` (FAQ editing, synonyms, inquiries, notices, reports).

Views parse the request (with the forms in ``knowledge/forms.py``), call one selector or
service, and render. Everything works without JavaScript; ``static/knowledge/widget.js`` is an
optional enhancement.
"""
