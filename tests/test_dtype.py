"""The float64 dtype singleton (piconumpy._dtype) shared by all backends."""
import copy
import pickle

from piconumpy._dtype import Float64DType, float64


def test_text():
    assert str(float64) == "float64"
    assert repr(float64) == "dtype('float64')"
    assert float64.name == "float64" and float64.char == "d"
    assert float64.itemsize == 8 and float64.kind == "f"
    assert float64.str in ("<f8", ">f8")


def test_equality():
    for same in ("float64", "f8", "d", float, float64):
        assert float64 == same and not (float64 != same)
    for other in ("float32", "int64", "", int, complex, None, 8, object()):
        assert float64 != other and not (float64 == other)


def test_singleton():
    assert Float64DType() is float64
    assert copy.copy(float64) is float64 and copy.deepcopy(float64) is float64
    assert pickle.loads(pickle.dumps(float64)) is float64


def test_hash():
    assert hash(float64) == hash("float64")
    assert {float64: 1}["float64"] == 1


def test_numpy_interplay(np, pn):
    if np is None:
        return
    assert float64 == np.dtype("float64") and np.dtype("float64") == float64
    assert not (float64 != np.dtype("float64"))
    assert not (np.dtype("float64") != float64)
    assert float64 != np.dtype("float32") and np.dtype("int64") != float64
    assert float64 == np.float64 and float64 != np.float32
    assert np.zeros(2, dtype=float64.str).dtype == float64
    assert pn.zeros(1).dtype == np.zeros(1).dtype
