"""Bad input to the CLI and the API: each gets a located, human message, exit status 1
and nothing written, never a traceback or a silently empty module."""

import errno
import os
import re
import shutil
import tempfile

import numpy as np
import pytest

import gradc
from gradc import cli
from gradc.frontend.depth import MAX_DEPTH
from gradc.pipeline import compile_source


def compile_file(tmp_path, monkeypatch, capsys, data, *args, name="model.py"):
    """Run ``gradc compile`` on a file holding ``data``; (exit status, stderr, outputs)."""
    monkeypatch.chdir(tmp_path)
    shutil.rmtree(tmp_path / "out", ignore_errors=True)
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    status = cli.main(["compile", name, "-o", "out", *args])
    written = sorted(p.name for p in (tmp_path / "out").iterdir()) \
        if (tmp_path / "out").is_dir() else []
    return status, capsys.readouterr().err, written


def assert_refused(result, where, *phrases):
    """Exit status 1, the message located at ``where`` (LINE:COL), nothing written."""
    status, err, written = result
    assert status == 1, err
    assert err.startswith(f"model.py:{where}: error: "), err
    assert "Traceback" not in err
    for phrase in phrases:
        assert phrase in err, err
    assert written == []


def grad_refusal(f, kind=gradc.NonDifferentiableError):
    """Where ``gradc.grad(f)`` is refused, (line, col), and the message's first words."""
    with pytest.raises(kind) as caught:
        gradc.grad(f)
    error = caught.value
    assert "Traceback" not in str(error)
    return (error.lineno, error.col), re.sub(r"^not differentiable: |;.*$", "", error.msg)


# ---- reading the file

def test_a_coding_line_is_honoured(tmp_path, monkeypatch, capsys):
    source = "# -*- coding: latin-1 -*-\ndef f(x):\n    # café\n    return x * 2\n"
    status, err, written = compile_file(tmp_path, monkeypatch, capsys,
                                        source.encode("latin-1"))
    assert status == 0, err
    assert written == ["model_grad.py"]


def test_a_utf8_bom_is_accepted(tmp_path, monkeypatch, capsys):
    data = b"\xef\xbb\xbf" + "def f(x):\n    # café\n    return x * 2\n".encode()
    status, err, written = compile_file(tmp_path, monkeypatch, capsys, data)
    assert status == 0, err
    assert written == ["model_grad.py"]


def test_an_undecodable_byte_is_located(tmp_path, monkeypatch, capsys):
    data = b"def f(x):\n    y = x * 2  # caf\xe9\n    return y\n"
    result = compile_file(tmp_path, monkeypatch, capsys, data)
    assert_refused(result, "2:21", "byte 0xe9 is not valid utf-8", "coding")


def test_an_undecodable_byte_after_a_bom_is_located(tmp_path, monkeypatch, capsys):
    data = b"\xef\xbb\xbfx = '\xff'\n"
    assert_refused(compile_file(tmp_path, monkeypatch, capsys, data), "1:6", "0xff")


def test_an_unknown_coding_is_located(tmp_path, monkeypatch, capsys):
    data = b"# coding: klingon\ndef f(x):\n    return x\n"
    assert_refused(compile_file(tmp_path, monkeypatch, capsys, data), "1:1",
                   "unknown encoding: klingon")


def test_a_null_byte_is_located(tmp_path, monkeypatch, capsys):
    data = b"def f(x):\n    return x\x00 * 2\n"
    assert_refused(compile_file(tmp_path, monkeypatch, capsys, data), "2:13", "null byte")


# ---- nothing to differentiate

@pytest.mark.parametrize("source", ["", "# only a comment\n\n# and another\n",
                                    "import numpy as np\nSCALE = 2.0\n"])
def test_a_module_without_functions_is_refused(tmp_path, monkeypatch, capsys, source):
    assert_refused(compile_file(tmp_path, monkeypatch, capsys, source), "1:1",
                   "no top-level function to differentiate")


def test_async_def_is_refused_where_it_is(tmp_path, monkeypatch, capsys):
    source = "def g(x):\n    return x\n\nasync def f(x):\n    return x * x\n"
    assert_refused(compile_file(tmp_path, monkeypatch, capsys, source), "4:1",
                   "async functions are not supported")
    status, err, written = compile_file(tmp_path, monkeypatch, capsys, source,
                                        "--function", "g")
    assert status == 0 and written == ["model_grad.py"], err


def test_async_def_is_refused_by_grad(module_from_source):
    module = module_from_source("async def f(x):\n    return x * x\n")
    assert grad_refusal(module.f, gradc.UnsupportedSyntaxError)[0] == (1, 0)


def test_a_module_of_tuple_returning_functions_is_refused(tmp_path, monkeypatch, capsys):
    source = "def f(x):\n    return x, x * 2\n"
    assert_refused(compile_file(tmp_path, monkeypatch, capsys, source), "2:5",
                   "f returns 2 values; a gradient needs one scalar output", "--mode vjp")


@pytest.mark.parametrize("body, where", [
    ("def f(x):\n    return x, x * 2\n", (2, 4)),
    ("def g(x):\n    return x, x\ndef f(x):\n    if x > 0:\n        return g(x)\n"
     "    return g(-x)\n", (6, 4)),
])
def test_grad_of_a_tuple_returning_function_is_located(module_from_source, body, where):
    module = module_from_source(body)
    assert grad_refusal(module.f) == (where, "f returns 2 values")


# ---- outputs and inputs without a derivative

@pytest.mark.parametrize("body, where", [
    ("    return x > 0\n", "2:12"),
    ("    y = x * 2\n    flag = 0 < y <= 1 or not y\n    return flag\n", "3:12"),
    ("    return True\n", "2:5"),
])
def test_a_boolean_output_is_refused(tmp_path, monkeypatch, capsys, body, where):
    result = compile_file(tmp_path, monkeypatch, capsys, "def f(x):\n" + body)
    assert_refused(result, where, "not differentiable: f has a boolean output", "np.where")


def test_a_comparison_choosing_a_value_is_still_differentiable(tmp_path, monkeypatch,
                                                                capsys):
    source = "def f(x):\n    return x * 2 if x > 0 else 0.0\n"
    status, err, written = compile_file(tmp_path, monkeypatch, capsys, source)
    assert status == 0 and written == ["model_grad.py"], err


def test_grad_of_a_boolean_output_is_located(module_from_source):
    module = module_from_source("import numpy as np\ndef f(x):\n    return np.sum(x) > 0\n")
    assert grad_refusal(module.f) == ((3, 11), "f has a boolean output")


def test_an_integer_only_function_is_refused(tmp_path, monkeypatch, capsys):
    result = compile_file(tmp_path, monkeypatch, capsys, "def f(n: int):\n    return n * 2\n")
    assert_refused(result, "1:7", "f has no float input to differentiate",
                   "'n' is declared int")


def test_an_int_argument_is_left_out_and_keeps_its_annotation(tmp_path, monkeypatch, capsys):
    source = "def f(x: float, n: int):\n    return x * n\n"
    status, err, _ = compile_file(tmp_path, monkeypatch, capsys, source)
    assert status == 0, err
    generated = (tmp_path / "out" / "model_grad.py").read_text()
    assert "def grad_f(x: float, n: int):" in generated
    namespace: dict = {}
    exec(compile(generated, "model_grad.py", "exec"), namespace)
    assert namespace["grad_f"](1.5, 3) == 3.0  # one gradient, not (3.0, 0.0)
    assert_refused(compile_file(tmp_path, monkeypatch, capsys, source, "--wrt", "n"), "1:17",
                   "no derivative with respect to 'n', declared int")


def test_grad_of_an_int_argument_is_located(module_from_source):
    module = module_from_source("def f(n: int, x):\n    return n * x\n")
    refusal = ((1, 6), "f has no derivative with respect to 'n', declared int")
    assert grad_refusal(module.f) == refusal
    assert gradc.grad(module.f, wrt=1)(3, 2.0) == 3.0


# ---- deep and long expressions

def test_a_sum_of_330_terms_compiles(tmp_path, monkeypatch, capsys):
    source = "def f(x):\n    return " + " + ".join(["x"] * 330) + "\n"
    status, err, _ = compile_file(tmp_path, monkeypatch, capsys, source)
    assert status == 0, err
    namespace: dict = {}
    exec((tmp_path / "out" / "model_grad.py").read_text(), namespace)
    assert namespace["grad_f"](1.0) == 330.0


def test_a_long_chain_of_methods_and_operators_compiles():
    terms = [f"x.sum() * {k} - x[0] / 2" for k in range(1, 501)]
    source = "def f(x):\n    return " + " + ".join(terms) + "\n"
    text = compile_source(source, "long.py")
    namespace: dict = {}
    exec(text, namespace)
    expected = np.full(3, sum(range(1, 501)), dtype=float)
    expected[0] -= 250.0
    assert np.allclose(namespace["grad_f"](np.ones(3)), expected)


def test_ten_thousand_unary_minus_signs_are_refused(tmp_path, monkeypatch, capsys):
    source = "def f(x):\n    return " + "-" * 10_000 + "x\n"
    result = compile_file(tmp_path, monkeypatch, capsys, source)
    assert_refused(result, "2:5", "nested too deeply for Python's parser")
    assert max(map(len, result[1].splitlines())) < 120  # the long line is cut around ^


def test_nesting_python_reads_but_gradc_does_not_is_refused(tmp_path, monkeypatch, capsys):
    compile("def f(x):\n    return " + "-" * 150 + "x\n", "deep.py", "exec")  # Python: fine
    source = "def f(x):\n    return " + "-" * 150 + "x\n"
    assert_refused(compile_file(tmp_path, monkeypatch, capsys, source), "2:111",
                   f"nested more than {MAX_DEPTH} levels deep")
    namespace: dict = {}
    exec(compile_source("def f(x):\n    return " + "-" * 91 + "x\n", "ok.py"), namespace)
    assert namespace["grad_f"](2.0) == -1.0


def test_running_out_of_stack_anyway_is_a_located_error():
    """The backstop: lowering called with almost no stack left still fails cleanly."""
    source = "def f(x):\n    y = x * 2\n    return y\n"

    def nearly_out_of_stack(depth):
        try:
            return nearly_out_of_stack(depth + 1)
        except RecursionError:
            return compile_source(source, "stack.py")
    with pytest.raises(gradc.UnsupportedSyntaxError, match="f nests too deeply") as caught:
        nearly_out_of_stack(0)
    assert (caught.value.lineno, caught.value.col) == (1, 0)


# ---- where the module is written

GOOD = "def f(x):\n    return x * x\n"


def run_cli(tmp_path, monkeypatch, capsys, *args):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "model.py").write_text(GOOD)
    status = cli.main(["compile", "model.py", *args])
    return status, capsys.readouterr()


def test_output_dir_naming_a_file(tmp_path, monkeypatch, capsys):
    (tmp_path / "taken").write_text("keep me")
    status, captured = run_cli(tmp_path, monkeypatch, capsys, "-o", "taken")
    assert status == 1 and captured.out == ""
    assert captured.err == "gradc: error: -o taken is a file, not a directory\n"
    assert (tmp_path / "taken").read_text() == "keep me"


def test_unwritable_output_dir(tmp_path, monkeypatch, capsys):
    def refuse(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", str(tmp_path / "locked"))
    monkeypatch.setattr(tempfile, "mkstemp", refuse)  # as root, chmod would not stop us
    status, captured = run_cli(tmp_path, monkeypatch, capsys, "-o", "locked")
    assert status == 1
    assert captured.err.startswith("gradc: error: cannot write locked/model_grad.py: "
                                   "Permission denied")
    assert len(captured.err.splitlines()) == 1
    assert not (tmp_path / "locked").exists()  # the folder made for it is gone too


class _FullDisk:
    """A file whose writes fail as on a full disk."""

    def __init__(self, real):
        self.real = real

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.real.close()

    def write(self, text):
        raise OSError(errno.ENOSPC, "No space left on device")


def test_full_disk_leaves_nothing_half_written(tmp_path, monkeypatch, capsys):
    real_fdopen = os.fdopen
    monkeypatch.setattr(os, "fdopen", lambda *a, **k: _FullDisk(real_fdopen(*a, **k)))
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "model_grad.py").write_text("# the previous module\n")
    status, captured = run_cli(tmp_path, monkeypatch, capsys, "-o", "out")
    assert status == 1
    assert captured.err == ("gradc: error: cannot write out/model_grad.py: "
                            "No space left on device\n")
    assert os.listdir(tmp_path / "out") == ["model_grad.py"]  # no temporary file
    assert (tmp_path / "out" / "model_grad.py").read_text() == "# the previous module\n"
    status, captured = run_cli(tmp_path, monkeypatch, capsys, "-o", "new/deeper")
    assert status == 1 and not (tmp_path / "new").exists()


# ---- calling what grad returns

@pytest.mark.parametrize("args, kwargs, problem", [
    ((1.0,), {}, "missing a required argument: 'y'"),
    ((1.0, 2.0, 3.0, 4.0), {}, "too many positional arguments"),
    ((1.0, 2.0), {"x": 1.0}, "multiple values for argument 'x'"),
    ((1.0, 2.0), {"z": 1.0}, "got an unexpected keyword argument 'z'"),
])
@pytest.mark.parametrize("specialize", [False, True])
def test_a_wrong_call_names_the_function_and_its_signature(module_from_source, args, kwargs,
                                                           problem, specialize):
    module = module_from_source("def f(x, y, scale=2.0):\n    return scale * x * y\n")
    for derivative in (gradc.grad, gradc.value_and_grad):
        g = derivative(module.f, specialize=specialize)
        with pytest.raises(TypeError) as caught:
            g(*args, **kwargs)
        assert str(caught.value) == f"the gradient of f(x, y, scale=2.0): {problem}"
    assert gradc.grad(module.f)(1.0, y=2.0) == 4.0
