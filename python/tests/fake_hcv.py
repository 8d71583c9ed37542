"""A stand-in for hcv that records its arguments and answers what the test told it to.

Environment: FAKE_HCV_LOG (a file: one JSON array of argv per call is appended), FAKE_HCV_KEEP (a folder:
the .npz files named in argv are copied there, under the same names), FAKE_HCV_STDOUT (printed
on stdout), FAKE_HCV_STDERR (printed on stderr), FAKE_HCV_RC (exit code), FAKE_HCV_HELP (printed for
`SUBCOMMAND --help`, exit 0). Used to test how the package talks to hcv: options passed only when given,
exit codes, unknown fields; the real hcv is tested everywhere else.
"""

import json
import os
import shutil
import sys

args = sys.argv[1:]
if "--help" in args:
    sys.stdout.write(os.environ.get("FAKE_HCV_HELP", ""))
    sys.exit(0)
with open(os.environ["FAKE_HCV_LOG"], "a") as log:
    log.write(json.dumps(args) + "\n")
for a in args:
    if a.endswith(".npz") and os.path.exists(a) and os.environ.get("FAKE_HCV_KEEP"):
        shutil.copy(a, os.path.join(os.environ["FAKE_HCV_KEEP"], os.path.basename(a)))
sys.stdout.write(os.environ.get("FAKE_HCV_STDOUT", ""))
sys.stderr.write(os.environ.get("FAKE_HCV_STDERR", ""))
sys.exit(int(os.environ.get("FAKE_HCV_RC", "0")))
