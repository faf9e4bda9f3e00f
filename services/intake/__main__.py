from services.intake.processes import PROCESSES

raise SystemExit(PROCESSES.main())
