"""A build (torch, the ONNX export) leaves nothing in the temp folder: every `index` left
$TMPDIR/torchinductor_USER behind."""

import os
import subprocess
import sys

from app.config import REPO_DIR

CLI = "import sys; from app.cli import main; sys.argv[0] = 'ask-karpathy'; main()"


def test_a_build_leaves_no_temp_folder(tmp_path, seed_index):
    seed_index(tmp_path / "index")
    (tmp_path / "tmp").mkdir()
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO_DIR),
        "TMPDIR": str(tmp_path / "tmp"),
        "ASK_KARPATHY_INDEX_DIR": str(tmp_path / "index"),
        "ASK_KARPATHY_DATA_DIR": str(tmp_path / "data"),
    }
    env.pop("TORCHINDUCTOR_CACHE_DIR", None)
    built = subprocess.run(
        [sys.executable, "-c", CLI, "index", "--force"],
        cwd=REPO_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert built.returncode == 0, built.stderr
    assert "exported all-mpnet-base-v2+adapter to ONNX" in built.stderr
    assert list((tmp_path / "tmp").iterdir()) == []
