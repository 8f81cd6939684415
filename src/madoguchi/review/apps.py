from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "madoguchi.review"
    label = "review"
