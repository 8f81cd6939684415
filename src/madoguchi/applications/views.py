from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from madoguchi.applications import selectors


@login_required
def mine(request):
    return render(
        request,
        "applications/mine.html",
        {
            "drafts": selectors.draft_list(user=request.user),
            "applications": selectors.application_list(user=request.user),
        },
    )


@login_required
def detail(request, application_id):
    application = selectors.access_application(user=request.user, application_id=application_id)
    return render(
        request,
        "applications/detail.html",
        {"application": application, "events": selectors.public_events(application)},
    )
