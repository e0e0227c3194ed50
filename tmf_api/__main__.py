import sys

from tmf_api.cli import main

sys.exit(main())
