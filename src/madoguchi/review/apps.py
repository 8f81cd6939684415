from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "madoguchi.review"
    label = "review"
    verbose_name = "審査・決裁"

    def ready(self):
        from madoguchi.core.keyrotation import register_encrypted_field

        register_encrypted_field("review.DataRevision", "data", purposes=["mynumber"])

        from madoguchi.applications.backoffice import backoffice_register
        from madoguchi.review.backoffice import ReviewBackOffice

        backoffice_register(ReviewBackOffice())
