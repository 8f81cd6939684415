"""HTML views: public pages (cache-friendly), applicant pages, staff pages, the waiting room."""
