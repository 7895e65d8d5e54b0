"""Type-checks every ```python block of README.md and docs/*.md with `mypy --strict` against
the installed magnum_sdk stubs, so the Python a reader copies from the docs is correct.

Usage (from magnum-py/): python check_doc_snippets.py
"""

import pathlib
import re
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent


def main() -> int:
    sources = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for source in sources:
            for index, match in enumerate(re.finditer(r"```python\n(.*?)```", source.read_text(), re.S)):
                path = pathlib.Path(tmp) / f"{source.stem}_{index}.py"
                path.write_text(match.group(1))
                files.append(str(path))
        if not files:
            print("no python snippets found", file=sys.stderr)
            return 1
        result = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental", *files])
        print(f"{len(files)} python snippet(s) of README.md and docs/ checked with mypy --strict")
        return result.returncode


if __name__ == "__main__":
    sys.exit(main())
