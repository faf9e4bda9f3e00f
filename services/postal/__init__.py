"""Postal: shipments with the public postal provider (bưu chính công ích, Decision 45/2016/QĐ-TTg; Circular
17/2017/TT-BTTTT) in both directions — dossier pickup and result delivery — with hand-over records, J+n
service times on the shared calendar, failed-delivery handling, the provider's webhooks and tracking."""

SERVICE = "postal"
