from divolte.cli import main

raise SystemExit(main())
