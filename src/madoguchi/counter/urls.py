from django.urls import path

from madoguchi.counter import views

app_name = "counter"
urlpatterns = [
    path("", views.home, name="home"),
    path("visits/<uuid:visit_id>/steps/<slug:step_key>/", views.step, name="step"),
    path("visits/<uuid:visit_id>/review/", views.review, name="review"),
    path("visits/<uuid:visit_id>/confirm/", views.confirm, name="confirm"),
    path("visits/<uuid:visit_id>/receipt/", views.receipt, name="receipt"),
    path("visits/<uuid:visit_id>/cancel/", views.cancel, name="cancel"),
    # QR hand-over of a visitor's phone draft: type the code, or scan the QR (opens the second URL)
    path("handoff/", views.handoff_lookup, name="handoff_lookup"),
    path("handoff/<str:code>/", views.handoff_take, name="handoff"),
]
