"""pip builds and installs the package offline, and the example of docs/python.md runs on the installed copy."""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

from support import PACKAGE_ROOT, REPO, needs_torch, real_hcv

VERDICTS = {"optimal", "stationary-not-optimal", "not-stationary", "undecided"}


def documented_example() -> str:
    """The first ```python block after the '## Example' heading of docs/python.md."""
    with open(os.path.join(REPO, "docs", "python.md"), encoding="utf-8") as f:
        text = f.read()
    section = text[text.index("\n## Example"):]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


class InstallTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.folder = tempfile.mkdtemp(prefix="hiddenconvex-install-")
        source = os.path.join(cls.folder, "src")
        # A copy, so that the build leaves nothing in the checkout.
        shutil.copytree(PACKAGE_ROOT, source,
                        ignore=shutil.ignore_patterns("build", "dist", "*.egg-info", "__pycache__", "tests"))
        cls.site = os.path.join(cls.folder, "site")
        cls.pip = subprocess.run(
            [sys.executable, "-m", "pip", "install", "--no-build-isolation", "--no-deps", "--no-index",
             "--target", cls.site, source], capture_output=True, text=True)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.folder, ignore_errors=True)

    def test_pip_installs_the_package_offline_with_its_metadata(self):
        self.assertEqual(self.pip.returncode, 0, self.pip.stdout + self.pip.stderr)
        self.assertTrue(os.path.exists(os.path.join(self.site, "hiddenconvex", "__init__.py")))
        self.assertFalse(os.path.exists(os.path.join(self.site, "tests")))
        with open(os.path.join(self.site, "hiddenconvex-0.1.0.dist-info", "METADATA")) as f:
            metadata = f.read()
        self.assertIn("Requires-Dist: numpy", metadata)

    @needs_torch
    def test_the_documented_example_runs_on_the_installed_copy(self):
        self.assertEqual(self.pip.returncode, 0, self.pip.stderr)
        script = documented_example() + "\nimport hiddenconvex\nprint(hiddenconvex.__file__)\n"
        env = dict(os.environ, PYTHONPATH=self.site, HCV=real_hcv())
        run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=self.folder)
        self.assertEqual(run.returncode, 0, run.stderr)
        first, second, origin = run.stdout.strip().splitlines()
        verdict, objective, lower, relative_gap = first.split()
        self.assertIn(verdict, VERDICTS)
        self.assertLessEqual(float(lower), float(objective))
        self.assertEqual(second, "optimal")
        self.assertTrue(origin.startswith(self.site), origin)


if __name__ == "__main__":
    unittest.main()
