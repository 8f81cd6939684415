from django.urls import path

from madoguchi.procedures.builder.views import catalog, editor, exchange, preview, versions

app_name = "builder"

urlpatterns = [
    path("", catalog.index, name="index"),
    path("new/", catalog.create, name="create"),
    path("templates/", catalog.templates, name="templates"),
    path("templates/<int:procedure_id>/copy/", catalog.template_copy, name="template_copy"),
    path("import/", exchange.import_new, name="import"),
    path("<int:procedure_id>/", editor.edit, name="edit"),
    path("<int:procedure_id>/op/", editor.operate, name="operate"),
    path("<int:procedure_id>/undo/", editor.undo, name="undo"),
    path("<int:procedure_id>/settings/", editor.settings, name="settings"),
    path("<int:procedure_id>/fields/<str:key>/", editor.field, name="field"),
    path("<int:procedure_id>/steps/<str:step_key>/", editor.step, name="step"),
    path("<int:procedure_id>/preview/", preview.preview, name="preview"),
    path("<int:procedure_id>/publish/", versions.publish, name="publish"),
    path("<int:procedure_id>/diff/", versions.diff, name="diff"),
    path("<int:procedure_id>/versions/<int:number>/restore/", versions.restore, name="restore"),
    path("<int:procedure_id>/share/", versions.share, name="share"),
    path("<int:procedure_id>/export.json", exchange.export_json, name="export_json"),
    path("<int:procedure_id>/xlsform.xlsx", exchange.export_xlsform, name="export_xlsform"),
    path("<int:procedure_id>/dictionary.csv", exchange.dictionary_csv, name="dictionary_csv"),
    path("<int:procedure_id>/import/", exchange.import_into, name="import_into"),
]
