"""「お知らせを止める」: the page a notification links to, per recipient and proposal (a signed
token, so it works from the mail without signing in). GET shows what stops; POST stops or restarts."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from madoguchi.accounts.models import User
from madoguchi.ideas import services
from madoguchi.ideas.models import Follow, Proposal
from madoguchi.ideas.tokens import read_mute_token


@require_http_methods(["GET", "POST"])
def mute(request: HttpRequest, token: str) -> HttpResponse:
    wanted = read_mute_token(token)
    if wanted is None:
        raise Http404
    user = User.objects.filter(pk=wanted.user_id, is_active=True).first()
    proposal = Proposal.objects.select_related("space__organization").filter(pk=wanted.proposal_id).first()
    if user is None or proposal is None:
        raise Http404
    if request.method == "POST":
        following = services.notifications_set(
            user=user, proposal=proposal, on=request.POST.get("action") == "on"
        )
        done = True
    else:
        following = Follow.objects.filter(proposal=proposal, user=user).exists()
        done = False
    return render(
        request,
        "ideas/mute.html",
        {"base": "ideas/base_public.html", "proposal": proposal, "following": following, "done": done},
    )
