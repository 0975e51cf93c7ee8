import json
import subprocess
import sys

import numpy as np
import pytest

from modeguard.cli import main

TINY = ["--steps", "20", "--eval-every", "10", "--batch-size", "32", "--eval-samples", "200",
        "--quiet"]  # fmt: skip


def _one_line_error(capsys, argv, fragment):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert fragment in err, err


def test_train_writes_summary(tmp_path, capsys):
    assert (
        main(["train", "--data", "grid", "--seed", "3", "--out", str(tmp_path / "r"), *TINY]) == 0
    )
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    assert (summary["data"], summary["seed"], summary["steps"], summary["n_modes"]) == (
        "grid", 3, 20, 25)  # fmt: skip
    assert f"modes {summary['modes']}/25" in capsys.readouterr().out


def test_train_madgan_writes_its_attribution(tmp_path):
    argv = ["train", "--data", "ring", "--remedy", "madgan", "--generators", "2",
            "--out", str(tmp_path / "r"), *TINY]  # fmt: skip
    assert main(argv) == 0
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    assert summary["remedy_settings"] == {"madgan": {"generators": 2, "madgan_share": False}}
    assert len(summary["attribution"]["modes_per_generator"]) == 2
    assert (tmp_path / "r" / "attribution.png").is_file()


def test_train_config_file_with_flag_override(tmp_path):
    (tmp_path / "c.yaml").write_text("data: grid\nseed: 7\nsteps: 999\n")
    argv = ["train", "--config", str(tmp_path / "c.yaml"), "--out", str(tmp_path / "r"), *TINY]
    assert main(argv) == 0
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    assert (summary["data"], summary["seed"], summary["steps"]) == ("grid", 7, 20)


@pytest.mark.parametrize(
    ("flags", "fragment"),
    [
        (["--data", "moon"], "unknown data set 'moon'"),
        (["--preset", "huge"], "unknown preset 'huge'"),
        (["--remedy", "magic"], "unknown remedy 'magic'"),
        (["--steps", "0"], "steps must be a positive integer"),
        (["--steps", "-5"], "steps must be a positive integer"),
        (["--steps", "ten"], "invalid int value"),
        (["--pack", "2"], "--pack applies only to --remedy pacgan"),
        (["--remedy", "pacgan", "--pack", "3"], "not a multiple of the PacGAN pack size 3"),
        (["--generators", "3"], "--generators applies only to --remedy madgan"),
        (["--remedy", "madgan", "--generators", "0"], "generators must be"),
        (["--remedy", "madgan+unrolled"], "madgan cannot be combined with unrolled"),
    ],
)
def test_train_bad_options(tmp_path, capsys, flags, fragment):
    _one_line_error(capsys, ["train", "--out", str(tmp_path / "r"), "--quiet", *flags], fragment)
    assert not (tmp_path / "r").exists()


def test_train_refuses_non_empty_out_and_keeps_it(tmp_path, capsys):
    (tmp_path / "summary.json").write_text("precious")
    _one_line_error(capsys, ["train", "--out", str(tmp_path), *TINY], "exists and is not empty")
    assert (tmp_path / "summary.json").read_text() == "precious"
    assert main(["train", "--out", str(tmp_path), "--force", *TINY]) == 0
    assert json.loads((tmp_path / "summary.json").read_text())["steps"] == 20


def test_train_bad_config_file(tmp_path, capsys):
    (tmp_path / "c.yaml").write_text("- a list\n")
    _one_line_error(capsys, ["train", "--config", str(tmp_path / "c.yaml"), "--out",
                             str(tmp_path / "r")], "must hold a mapping")  # fmt: skip


def test_eval_table_and_json(tmp_path, capsys):
    points = np.array([[1.0, 0.0], [1.0, 0.005], [0.0, 1.0], [0.5, 0.5]])
    np.save(tmp_path / "s.npy", points)
    assert main(["eval", "--data", "ring", str(tmp_path / "s.npy"), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert (result["modes"], result["n_modes"], result["hq"]) == (2, 8, 0.75)
    assert result["histogram"] == [2, 0, 1, 0, 0, 0, 0, 0]
    assert main(["eval", "--data", "ring", str(tmp_path / "s.npy")]) == 0
    assert "modes covered  2 / 8" in capsys.readouterr().out


def test_eval_reads_npz_and_csv(tmp_path, capsys):
    points = np.array([[4.0, 4.0], [-4.0, 0.0]])
    np.savez(tmp_path / "s.npz", samples=points)
    (tmp_path / "s.csv").write_text("x,y\n4.0,4.0\n-4.0,0.0\n")
    for name in ("s.npz", "s.csv"):
        assert main(["eval", "--data", "grid", str(tmp_path / name), "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["modes"] == 2


@pytest.mark.parametrize(
    ("make", "fragment"),
    [
        (lambda p: np.save(p / "f.npy", np.zeros((4, 3))), "shape [N, 2]"),
        (lambda p: np.save(p / "f.npy", np.array([[0.0, np.inf]])), "NaN or inf"),
        (lambda p: (p / "f.npy").write_bytes(b"not numpy"), "cannot read"),
        (lambda p: None, "no such file"),
    ],
)
def test_eval_bad_files(tmp_path, capsys, make, fragment):
    make(tmp_path)
    _one_line_error(capsys, ["eval", "--data", "ring", str(tmp_path / "f.npy")], fragment)


def test_eval_refuses_other_types_and_bad_csv(tmp_path, capsys):
    (tmp_path / "f.txt").write_text("1,2\n")
    _one_line_error(capsys, ["eval", "--data", "ring", str(tmp_path / "f.txt")], "unsupported")
    (tmp_path / "f.csv").write_text("1,2\n3,x\n")
    _one_line_error(capsys, ["eval", "--data", "ring", str(tmp_path / "f.csv")], "cannot read")


def test_pickled_npy_is_not_loaded(tmp_path, capsys):
    np.save(tmp_path / "f.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    _one_line_error(capsys, ["eval", "--data", "ring", str(tmp_path / "f.npy")], "cannot read")


def test_console_script_error_has_no_traceback(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "modeguard.cli", "eval", "--data", "ring", str(tmp_path / "x.npy")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"modeguard eval: error: cannot read {tmp_path / 'x.npy'}: no such file"
    ]


@pytest.mark.parametrize("command", [[], ["train"], ["eval"]])
def test_help_has_an_example(capsys, command):
    assert main([*command, "--help"]) == 0
    assert (
        "example" in (out := capsys.readouterr().out)
        and f"modeguard {command[0] if command else 'train'} --data" in out
    )
