"""Postal: shipments with the public postal provider (bưu chính công ích, Decision 45/2016/QĐ-TTg) in both
directions — dossier pickup and result delivery — with tracking. So far: a result delivery is planned for
every dossier whose applicant chose to receive the result by post."""

SERVICE = "postal"
