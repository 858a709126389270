"""The stencil examples of the NumPyPy Laplace post (shared/seeds), run
unchanged with a piconumpy backend in place of numpy, against numpy."""
import pytest

np_ref = pytest.importorskip("numpy")


class LaplaceSolver:
    """The seed's numeric_*_time_step variants (PyPy-only hacks removed)."""

    def __init__(self, numpy, nx=30, ny=20):
        self.numpy, self.nx, self.ny = numpy, nx, ny
        self.dx, self.dy = 0.1, 0.1
        self.u = numpy.zeros((nx, ny), 'd')
        self.u[0] = 1.0
        self.u[:, 0] = 0.5

    def numeric_time_step(self):
        u = self.u
        dx2, dy2 = self.dx ** 2, self.dy ** 2
        dnr_inv = 0.5 / (dx2 + dy2)
        u[1:-1, 1:-1] = ((u[0:-2, 1:-1] + u[2:, 1:-1]) * dy2 +
                         (u[1:-1, 0:-2] + u[1:-1, 2:]) * dx2) * dnr_inv

    def numeric_2_time_step(self):
        dx2, dy2 = self.dx ** 2, self.dy ** 2
        dnr_inv = 0.5 / (dx2 + dy2)
        src = self.u
        self.u = src.copy()
        self.u[1:-1, 1:-1] = ((src[0:-2, 1:-1] + src[2:, 1:-1]) * dy2 +
                              (src[1:-1, 0:-2] + src[1:-1, 2:]) * dx2) * dnr_inv

    def numeric_3_time_step(self):
        dx2, dy2 = self.dx ** 2, self.dy ** 2
        dnr_inv = 0.5 / (dx2 + dy2)
        src = self.u
        self.u = self.numpy.zeros((self.nx, self.ny), 'd')
        self.u[0] = src[0]
        self.u[-1] = src[-1]
        self.u[:, 0] = src[:, 0]
        self.u[:, -1] = src[:, -1]
        self.u[1:-1, 1:-1] = ((src[0:-2, 1:-1] + src[2:, 1:-1]) * dy2 +
                              (src[1:-1, 0:-2] + src[1:-1, 2:]) * dx2) * dnr_inv

    def numeric_4_time_step(self):
        dx2, dy2 = self.dx ** 2, self.dy ** 2
        dnr_inv = 0.5 / (dx2 + dy2)
        if not hasattr(self, "old_u"):
            self.old_u = self.u.copy()
        self.old_u[:, :] = self.u
        src = self.old_u
        self.u[1:-1, 1:-1] = ((src[0:-2, 1:-1] + src[2:, 1:-1]) * dy2 +
                              (src[1:-1, 0:-2] + src[1:-1, 2:]) * dx2) * dnr_inv

    def numeric_5_time_step(self):
        dx2, dy2 = self.dx ** 2, self.dy ** 2
        dnr_inv = 0.5 / (dx2 + dy2)
        if not hasattr(self, "old_u"):
            self.old_u = self.u.copy()
        src = self.u
        self.old_u, self.u = self.u, self.old_u
        self.u[0] = src[0]
        self.u[-1] = src[-1]
        self.u[:, 0] = src[:, 0]
        self.u[:, -1] = src[:, -1]
        self.u[1:-1, 1:-1] = ((src[0:-2, 1:-1] + src[2:, 1:-1]) * dy2 +
                              (src[1:-1, 0:-2] + src[1:-1, 2:]) * dx2) * dnr_inv



@pytest.mark.parametrize("variant", [1, 2, 3, 4, 5])
def test_laplace_variants_match_numpy(nd, variant):
    name = "numeric_%stime_step" % ("" if variant == 1 else "%d_" % variant)
    ours, ref = LaplaceSolver(nd), LaplaceSolver(np_ref)
    for _ in range(5):
        before = ours.u.copy()
        getattr(ours, name)()
        getattr(ref, name)()
        err = float(ours.numpy.sqrt(ours.numpy.sum((ours.u - before) * (ours.u - before))))
        assert err > 0.0
    assert ours.u.tolist() == ref.u.tolist()
