"""Payments: what each dossier owes and its online payment (domain.md §2.9, §5.2; Decree 61/2018 Art. 22,
25(2)(d), 25(6); Decree 224/2026 Art. 15(1)(đ)).

Owns the *charges* — the fees and charges a procedure version asks for at filing, after exemptions, and the
financial obligations the workflow stops the clock for — and, per charge, the payment orders at the gateway,
the electronic receipt, refunds and the alerts a gateway notice raised. It talks to the payment gateway
(national payment platform style, ``gateway/client.py``) and to the other services through events only: it
learns what is owed from ``dossier.submitted`` (intake) and ``dossier.payment-requested`` (workflow), and tells
them through ``payment.*`` (the workflow resumes the clock on ``payment.paid``; notify tells the applicant).

Why a service of its own, not a part of the workflow: money has its own lifecycle (orders, callbacks that come
late or twice, reconciliation with the gateway's statement, receipts numbered without gaps, refunds) and its
own external system and secrets; the legal process only needs to know *that* a dossier was paid.
"""

SERVICE = "payments"
