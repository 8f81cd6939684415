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

        # S13 受験票: payments announces a fee paid (its public hook ``payment.completed``,
        # docs/payments.md); review records it and issues the ticket once the case is accepted.
        from madoguchi.core import events
        from madoguchi.review.services.tickets import ticket_fee_paid

        events.subscribe("payment.completed", ticket_fee_paid)
