from django.urls import path

from procurement import (
    views_campaigns,
    views_commitments,
    views_deliveries,
    views_groupements,
    views_invoices,
    views_offers,
    views_orders,
)

app_name = "procurement"

urlpatterns = [
    path("offers/", views_offers.offer_list, name="offer-list"),
    path("offers/new/", views_offers.offer_new, name="offer-new"),
    path("offers/<int:pk>/", views_offers.offer_detail, name="offer-detail"),
    path("offers/<int:pk>/edit/", views_offers.offer_edit, name="offer-edit"),
    path("offers/<int:pk>/deactivate/", views_offers.offer_deactivate, name="offer-deactivate"),
    path("offers/<int:pk>/stock/add/", views_offers.offer_stock_add, name="offer-stock-add"),
    path(
        "offers/<int:pk>/stock/remove/",
        views_offers.offer_stock_remove,
        name="offer-stock-remove",
    ),
    path("groupements/", views_groupements.groupement_list, name="groupement-list"),
    path("groupements/new/", views_groupements.groupement_new, name="groupement-new"),
    path("groupements/<int:pk>/", views_groupements.groupement_detail, name="groupement-detail"),
    path("groupements/<int:pk>/edit/", views_groupements.groupement_edit, name="groupement-edit"),
    path(
        "groupements/<int:pk>/members/",
        views_groupements.groupement_member_add,
        name="groupement-member-add",
    ),
    path(
        "groupement-members/<int:pk>/edit/",
        views_groupements.groupement_member_edit,
        name="groupement-member-edit",
    ),
    path(
        "groupement-members/<int:pk>/remove/",
        views_groupements.groupement_member_remove,
        name="groupement-member-remove",
    ),
    path("campaigns/", views_campaigns.campaign_list, name="campaign-list"),
    path("campaigns/new/", views_campaigns.campaign_new, name="campaign-new"),
    path("campaigns/<int:pk>/", views_campaigns.campaign_detail, name="campaign-detail"),
    path("campaigns/<int:pk>/totals/", views_campaigns.campaign_totals, name="campaign-totals"),
    path("campaigns/<int:pk>/edit/", views_campaigns.campaign_edit, name="campaign-edit"),
    path("campaigns/<int:pk>/open/", views_campaigns.campaign_open, name="campaign-open"),
    path("campaigns/<int:pk>/close/", views_campaigns.campaign_close, name="campaign-close"),
    path("campaigns/<int:pk>/cancel/", views_campaigns.campaign_cancel, name="campaign-cancel"),
    path(
        "campaigns/<int:pk>/allocation/",
        views_campaigns.campaign_allocation,
        name="campaign-allocation",
    ),
    path(
        "campaigns/<int:pk>/commitment/",
        views_commitments.commitment_edit,
        name="commitment-edit",
    ),
    path(
        "campaigns/<int:pk>/commitment/withdraw/",
        views_commitments.commitment_withdraw,
        name="commitment-withdraw",
    ),
    path("orders/", views_orders.order_list, name="order-list"),
    path("orders/progress/", views_deliveries.order_progress, name="order-progress"),
    path("orders/<int:pk>/", views_orders.order_detail, name="order-detail"),
    path("orders/<int:pk>/cancel/", views_orders.order_cancel, name="order-cancel"),
    path("orders/<int:pk>/deliveries/new/", views_deliveries.delivery_new, name="delivery-new"),
    path("deliveries/", views_deliveries.delivery_list, name="delivery-list"),
    path("deliveries/<int:pk>/", views_deliveries.delivery_detail, name="delivery-detail"),
    path(
        "deliveries/<int:pk>/admission/",
        views_deliveries.delivery_admission,
        name="delivery-admission",
    ),
    path("deliveries/<int:pk>/invoice/", views_invoices.invoice_new, name="invoice-new"),
    path("invoices/", views_invoices.invoice_list, name="invoice-list"),
    path(
        "invoices/<int:pk>/credit-note/",
        views_invoices.invoice_credit_note,
        name="invoice-credit-note",
    ),
]
