from services.feedback.processes import PROCESSES

raise SystemExit(PROCESSES.main())
