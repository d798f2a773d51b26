import sys

from mcpod.cli.main import main

sys.exit(main())
