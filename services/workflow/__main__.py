from services.workflow.processes import PROCESSES

raise SystemExit(PROCESSES.main())
