from django.urls import path

from madoguchi.core import views

app_name = "core"
urlpatterns = [path("mail/", views.dev_mail, name="dev_mail")]
