"""Copy each notebook's key figure to docs/<notebook>.png for the README.

The figure is the image output of the notebook's code cell tagged "thumbnail", exactly as
the last `make notebooks` run produced it (tests/test_notebooks.py checks they match).
Run: python docs/make_thumbnails.py
"""

import base64
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def thumbnail(notebook: Path) -> bytes:
    """The PNG bytes of the first image output of the cell tagged "thumbnail"."""
    for cell in json.loads(notebook.read_text())["cells"]:
        if "thumbnail" in cell.get("metadata", {}).get("tags", []):
            for output in cell.get("outputs", []):
                if "image/png" in output.get("data", {}):
                    return base64.b64decode(output["data"]["image/png"])
    raise ValueError(f"{notebook.name}: no figure in a cell tagged 'thumbnail'")


def main() -> None:
    for notebook in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        target = ROOT / "docs" / notebook.with_suffix(".png").name
        target.write_bytes(thumbnail(notebook))
        print(f"wrote {target.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
