from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "madoguchi.retention"
    label = "retention"
    verbose_name = "保存期間と訴訟ホールド"
