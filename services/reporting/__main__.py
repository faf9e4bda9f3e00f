from services.reporting.processes import PROCESSES

raise SystemExit(PROCESSES.main())
