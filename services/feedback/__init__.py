"""Feedback: how the public evaluates the service — the applicant's rating of each dossier (Decree 61/2018
Art. 28–31; Circular 01/2018 Art. 12–14) and feedback and recommendations (phản ánh, kiến nghị; "petitions" in the
code) with their handling within the Decision 766/QĐ-TTg deadlines.

Why a service of its own, not a part of intake or the workflow: evaluation is a separate duty with its own people
and timing — the public speaks *about* the agencies (a petition may concern an officer's conduct), the agency
concerned answers within its own deadlines, the People's Committee Office supervises and publishes — and none of it
may block or be blocked by filing and processing dossiers. It owns its data (ratings, petitions and their
attachments) and publishes its own topics (``feedback.ratings``, ``feedback.petitions``), and learns what it needs of
dossiers, agencies and the calendar from the workflow's events, like the postal service.
"""

SERVICE = "feedback"
