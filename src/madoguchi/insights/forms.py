from django import forms
from django.utils.translation import gettext_lazy as _


class PaperProcedureForm(forms.Form):
    """Shapes input only; the rules are in services.paper_procedure_check."""

    title = forms.CharField(label=_("手続名"), required=False, max_length=200)
    fiscal_year = forms.CharField(label=_("年度（西暦）"), required=False, max_length=8)
    paper_count = forms.CharField(label=_("紙の件数（年間）"), required=False, max_length=12)
    department = forms.CharField(label=_("部署"), required=False)


class PaperImportForm(forms.Form):
    file = forms.FileField(label=_("CSV ファイル"), required=False)
