from services.sync.processes import PROCESSES

raise SystemExit(PROCESSES.main())
