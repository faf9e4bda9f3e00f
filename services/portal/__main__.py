from services.portal.processes import PROCESSES

raise SystemExit(PROCESSES.main())
