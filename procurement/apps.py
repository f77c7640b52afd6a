from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProcurementConfig(AppConfig):
    name = "procurement"
    verbose_name = _("Group purchasing")

    def ready(self) -> None:
        # A device that leaves ``ready`` (reserved, say) leaves its offer's stock: the
        # lifecycle's gateway tells procurement, which inventory does not know of.
        from inventory.lifecycle import register_transition_observer
        from procurement.services.offers import stock_follow_transitions

        register_transition_observer(stock_follow_transitions)

        # The dashboards of partners, the territory, communes and buyers show group purchasing.
        from procurement import dashboard

        dashboard.register()

        # Warranty returns: a buyer's devices and returns, a partner's returns to settle.
        from procurement import dashboard_returns

        dashboard_returns.register()

        # A purchase order's title, in each reader's language.
        from documents.choices import DocumentKind
        from documents.titles import register_title
        from procurement.purchase_orders import purchase_order_title

        register_title(DocumentKind.PURCHASE_ORDER, purchase_order_title)

        # The titles of the documents of deliveries, in each reader's language.
        from procurement import delivery_documents

        delivery_documents.register()

        # The donation agreement's title, in each reader's language.
        from procurement import donation_documents

        donation_documents.register()

        # The donations' panel of partners' and buyers' dashboards.
        from procurement import dashboard_donations

        dashboard_donations.register()

        # The deliveries' panel of partners', buyers', communes' and the territory's dashboards.
        from procurement import dashboard_deliveries

        dashboard_deliveries.register()
