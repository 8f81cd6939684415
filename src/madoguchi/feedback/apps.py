from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "madoguchi.feedback"
    label = "feedback"
