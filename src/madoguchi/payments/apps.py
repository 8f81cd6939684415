from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "madoguchi.payments"
    label = "payments"

    def ready(self) -> None:
        from madoguchi.core import events
        from madoguchi.payments import (
            notify,  # noqa: F401  (registers the notification events)
            selectors,
            services,
        )

        # Lower apps announce; payments reacts (docs/payments.md, "Hooks").
        events.subscribe("application.submitted", services.payment_open_for_application)
        events.subscribe("case.deciding", services.on_case_deciding)
        events.subscribe("document.release_check", services.on_release_check)
        events.subscribe("application.withdrawn", services.on_application_withdrawn)
        # Lower apps ask about an application's fee (review's 受験票) without importing payments.
        events.subscribe(selectors.FEE_STATUS, selectors.on_fee_status)
        # A fee change publishes a new version; each version keeps its fee (FeeSchedule).
        events.subscribe("procedure.changed", services.on_procedure_changed)
