"""Installed as a user installs it: a wheel in a fresh virtual environment runs every command
from an empty folder (templates, manual and mkdocs configuration come from the package)."""
import shutil
import site
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(*args, cwd=None):
    return subprocess.run([*map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=600)


def test_wheel_installs_and_runs_init_validate_generate_site(tmp_path):
    dist = tmp_path / "dist"
    r = run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", dist, ROOT)
    assert r.returncode == 0, r.stderr
    wheel = next(dist.glob("*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "generator/resources/mkdocs.yml" in names
    assert "generator/resources/doc_templates/附件三_客户回访记录表.docx" in names
    assert "generator/resources/site/manual/types.md" in names
    assert not any(n.startswith(("tests/", "workbooks/")) or n.endswith("synth.py") for n in names)

    venv = tmp_path / "venv"
    assert run(sys.executable, "-m", "venv", "--without-pip", venv).returncode == 0
    py = venv / "bin" / "python"
    r = run(sys.executable, "-m", "pip", "--python", py, "install", "-q", "--no-deps", wheel)
    assert r.returncode == 0, r.stderr
    # the dependencies: this environment's packages, after the wheel's own (its .pth files,
    # such as an editable install of the checkout, are not processed from here)
    own = Path(run(py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").stdout.strip())
    (own / "deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")

    work = tmp_path / "empty"
    work.mkdir()
    where = run(py, "-c", "import generator; print(generator.__file__)", cwd=work).stdout
    assert str(venv) in where, where
    wb = tmp_path / "in"
    shutil.copytree(ROOT / "workbooks", wb)
    huifang = venv / "bin" / "huifang"

    r = run(huifang, "init", "空白.xlsx", cwd=work)
    assert r.returncode == 0 and (work / "空白.xlsx").is_file(), r.stderr
    r = run(huifang, "validate", wb, "--as-of", "2025-12-31", cwd=work)
    assert r.returncode == 1 and "NEW001" in r.stdout, r.stderr
    r = run(huifang, "generate", wb, "--out", "文书", "--kind", "record", "--kind", "report", cwd=work)
    assert r.returncode == 0, r.stderr
    assert list((work / "文书" / "回访记录表").rglob("*.docx"))
    r = run(huifang, "site", wb, "--as-of", "2025-12-31", "--out", "站点", cwd=work)
    assert r.returncode == 0, r.stderr
    assert (work / "站点" / "manual" / "types.html").is_file()
    assert (work / "站点" / "downloads" / "附件三_客户回访记录表.docx").is_file()
