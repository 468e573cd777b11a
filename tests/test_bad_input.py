"""Bad input to the CLI and the API: each gets a located, human message, exit status 1
and nothing written, never a traceback or a silently empty module."""



from gradc import cli


def compile_file(tmp_path, monkeypatch, capsys, data, *args, name="model.py"):
    """Run ``gradc compile`` on a file holding ``data``; (exit status, stderr, outputs)."""
    monkeypatch.chdir(tmp_path)
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
