"""Sync: every dossier's life mirrored on the National Public Service Portal (Cổng Dịch vụ công quốc gia;
domain.md §5.3 — Decree 61/2018 Art. 25(2)(g), Circular 01/2018 Art. 17(1)(d), Circular 04/2025; Decree
224/2026 Art. 15: pushed on every change).

Owns the *mirrors* — per dossier, what the portal must hold in the observed national field list (MaHoSo,
MaTTHC, NgayNop, NgayTiepNhan, NgayHenTra, NgayKetThucXuLy, KenhThucHien, TrangThai, components with file
hashes, the applicant block, fees, DuocThanhToanTrucTuyen, the result, the per-step process log) and what the
portal acknowledged of it (synchronised version, last error). Built from the other services' events by a
consumer (idempotent, in order per dossier, retry topics, DLQ); pushed by the scheduler (token, create, push
steps, push statuses, in order, never backwards), compared with what the portal holds by a reconcile job.
Publishes ``sync.*`` for Decision 766 indicator 1.4, and serves the indicator.

Why a service of its own: the portal is an outside system with its own availability, throttling and
credentials; its mirror has its own state (what was acknowledged) and its own pace. Keeping it apart means a
portal outage never slows reception or processing, and the workflow stays free of integration concerns.
"""

SERVICE = "sync"
