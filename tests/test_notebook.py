"""gradc in a Jupyter notebook, executed headless by nbclient: imports in one cell, data
in another, ``def`` in a third and ``gradc.grad`` in a fourth; a lambda, a closure, a
functools.partial, module-level arrays, a helper redefined by running its cell again,
and the located error a cell gets, without gradc's frames in its traceback.

Needs the ``notebook`` extra (``pip install -e ".[test,notebook]"``); skipped without it.
"""

import re

import pytest

nbformat = pytest.importorskip("nbformat", reason="the notebook extra is not installed: "
                               'pip install -e ".[test,notebook]"')
nbclient = pytest.importorskip("nbclient", reason="the notebook extra is not installed: "
                               'pip install -e ".[test,notebook]"')

CELLS = [
    "import functools\nimport numpy as np\nimport gradc",
    "X = np.array([[1.0, 2.0], [3.0, -1.0], [0.5, 0.25]])\nY = np.array([1.0, -2.0, 0.5])\n"
    "w = np.array([0.3, -0.7])",
    "def loss(w):\n    return np.sum((X @ w - Y) ** 2)",
    "g = gradc.grad(loss)\nassert np.allclose(g(w), 2 * X.T @ (X @ w - Y))",
    # a lambda, the scipy idiom closing over data
    "def mse(theta, data, targets):\n    return np.mean((data @ theta - targets) ** 2)\n"
    "fun = gradc.value_and_grad(lambda th: mse(th, X, Y))\n"
    "value, gradient = fun(w)\n"
    "assert np.isclose(value, mse(w, X, Y))\n"
    "assert np.allclose(gradient, 2 * X.T @ (X @ w - Y) / 3)",
    # a closure
    "def make(k):\n    def f(v):\n        return k * np.sum(np.sin(v))\n    return f\n"
    "assert np.allclose(gradc.grad(make(3.0))(w), 3 * np.cos(w))",
    # functools.partial binding the data
    "bound = functools.partial(mse, data=X, targets=Y)\n"
    "assert np.allclose(gradc.grad(bound)(w), gradient)",
    # a helper, then the same cell run again with another definition
    "def helper(v):\n    return v * v",
    "def uses_helper(v):\n    return np.sum(helper(v))\nh = gradc.grad(uses_helper)\n"
    "assert np.allclose(h(w), 2 * w)",
    "def helper(v):\n    return v * v * v",
    "assert np.allclose(h(w), 3 * w ** 2)",
    # a name that holds nothing when called: the error names it and its cell and line
    "try:\n    gradc.grad(lambda v: v * nowhere)(w)\n"
    "except gradc.UnsupportedSyntaxError as error:\n"
    "    message = str(error)\n"
    "assert message.startswith('Cell In[12]:2:'), message\n"
    "assert \"name 'nowhere' is not defined\" in message, message",
    # a value gradc cannot read, uncaught: the traceback shows the cell, not gradc
    "options = {'scale': 2.0}\ngradc.grad(lambda v: v * options)",
]


def test_a_notebook_runs_headless(tmp_path):
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in CELLS]
    notebook.cells[-1].metadata["tags"] = ["raises-exception"]
    client = nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    for cell in notebook.cells[:-1]:
        errors = [o for o in cell.outputs if o.output_type == "error"]
        assert not errors, f"{cell.source}\n{errors and ''.join(errors[0].traceback)}"
    error, = [o for o in notebook.cells[-1].outputs if o.output_type == "error"]
    shown = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(error.traceback))
    assert error.ename == "UnsupportedSyntaxError"
    assert "Cell In[13]:2" in shown and "'options' is a dict" in shown
    frames = re.findall(r"/gradc/(\w+)\.py", shown)
    assert frames == ["errors"], shown  # the API's, re-raising the error without the rest
