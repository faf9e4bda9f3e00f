"""Workflow: the procedure catalogue, each procedure's internal process, reception decisions, steps and
hand-overs, working-day deadlines, inter-agency routing, late handling and results.

Why reception decisions (accept, supplementation request, refusal) live here and not in intake: they are the
first step of the legal process (Decree 61/2018 Art. 15(3), 17; Decree 118/2025 Art. 17) and need what only
the workflow has — the procedure version with its components and internal process, the calendar for the
appointment date, and the dossier's process log that the control slip is derived from. Intake stays the
front door on every channel (filing, codes, attachments, public look-up); it learns the outcome from
``dossier.*`` events like every other service."""

SERVICE = "workflow"
