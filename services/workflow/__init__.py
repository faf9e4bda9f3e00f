"""Workflow: the procedure catalogue, each procedure's internal process, tasks, deadlines and inter-agency
routing. So far: every filed dossier lands in its receiving agency's queue."""

SERVICE = "workflow"
