from django.shortcuts import render

from madoguchi.procedures.models import Procedure


def catalog(request):
    procedures = Procedure.objects.filter(is_public=True, current_version__isnull=False).select_related(
        "organization"
    )
    return render(request, "procedures/catalog.html", {"procedures": procedures})
