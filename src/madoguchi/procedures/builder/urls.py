from django.urls import path

from madoguchi.procedures.builder import views

app_name = "builder"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.create, name="create"),
    path("templates/", views.templates, name="templates"),
    path("templates/<int:procedure_id>/copy/", views.template_copy, name="template_copy"),
    path("import/", views.import_new, name="import"),
    path("bulk/", views.bulk_index, name="bulk_index"),
    path("bulk/<int:procedure_id>/", views.bulk_upload, name="bulk_upload"),
    path("bulk/uploads/<uuid:upload_id>/", views.bulk_result, name="bulk_result"),
    path("<int:procedure_id>/", views.edit, name="edit"),
    path("<int:procedure_id>/op/", views.operate, name="operate"),
    path("<int:procedure_id>/undo/", views.undo, name="undo"),
    path("<int:procedure_id>/settings/", views.settings, name="settings"),
    path("<int:procedure_id>/fields/<str:key>/", views.field, name="field"),
    path("<int:procedure_id>/steps/<str:step_key>/", views.step, name="step"),
    path("<int:procedure_id>/preview/", views.preview, name="preview"),
    path("<int:procedure_id>/publish/", views.publish, name="publish"),
    path("<int:procedure_id>/diff/", views.diff, name="diff"),
    path("<int:procedure_id>/versions/<int:number>/restore/", views.restore, name="restore"),
    path("<int:procedure_id>/share/", views.share, name="share"),
    path("<int:procedure_id>/export.json", views.export_json, name="export_json"),
    path("<int:procedure_id>/dictionary.csv", views.dictionary_csv, name="dictionary_csv"),
    path("<int:procedure_id>/import/", views.import_into, name="import_into"),
]
