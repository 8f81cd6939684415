from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "madoguchi.review"
    label = "review"
    verbose_name = "審査・決裁"
