"""GradBench's ``ba`` eval: bundle adjustment's reprojection error and weight error, whose
Jacobians the eval asks for, one observation (camera, point, weight) at a time.

Origin: https://github.com/gradbench/gradbench (MIT licence), ``evals/ba`` and the
PyTorch tool's ``ba_objective`` (Microsoft's ADBench, MIT licence); ported to NumPy as its
author wrote it in PyTorch (``torch.linalg.cross``/``torch.dot`` are ``np.cross``/
``np.dot``). A camera is 11 numbers: Rodrigues rotation, centre, focal length, principal
point, two radial distortion coefficients. The reprojection error of point X seen by a
camera with weight w is ``w * (project(cam, X) - feat)``; the weight error ``1 - w^2``.
"""

import numpy as np

ROT_IDX = 0
C_IDX = 3
F_IDX = 6
X0_IDX = 7
RAD_IDX = 9


def rodrigues_rotate_point(rot, X):
    sqtheta = np.sum(rot**2)
    if sqtheta != 0.0:
        theta = np.sqrt(sqtheta)
        costheta = np.cos(theta)
        sintheta = np.sin(theta)
        theta_inverse = 1.0 / theta

        w = theta_inverse * rot
        w_cross_X = np.cross(w, X)
        tmp = np.dot(w, X) * (1.0 - costheta)

        return X * costheta + w_cross_X * sintheta + w * tmp
    else:
        return X + np.cross(rot, X)


def radial_distort(rad_params, proj):
    rsq = np.sum(proj**2)
    L = 1.0 + rad_params[0] * rsq + rad_params[1] * rsq * rsq
    return proj * L


def project(cam, X):
    Xcam = rodrigues_rotate_point(
        cam[ROT_IDX : ROT_IDX + 3], X - cam[C_IDX : C_IDX + 3]
    )
    distorted = radial_distort(cam[RAD_IDX : RAD_IDX + 2], Xcam[0:2] / Xcam[2])
    return distorted * cam[F_IDX] + cam[X0_IDX : X0_IDX + 2]


def compute_reproj_err(cam, X, w, feat):
    return w * (project(cam, X) - feat)


def compute_w_err(w):
    return 1.0 - w**2


# -- what the benchmark differentiates, and its input ---------------------------------

# The first camera, point, weight and feature of GradBench's smallest input,
# ba1_n49_m7776_p31843 (every observation there repeats them).
ONE_CAM = [-0.758453, -1.109613, -0.845551, 34.556073, 39.676747, 53.881673,
           419.194514, 5.864426, -8.518870, 0.087812, 0.002739]
ONE_X = [7.203245, 0.001144, 3.023326]
ONE_W = 0.417022
ONE_FEAT = [271.760969, 834.209256]


def make_input(small=False):
    """One observation of GradBench's smallest input (the eval differentiates each of
    its 31,843 observations alone, so one is its unit of work)."""
    return (np.array(ONE_CAM), np.array(ONE_X), ONE_W, np.array(ONE_FEAT)), {}


def make_w_input(small=False):
    return (ONE_W,), {}


CASES = [
    {"name": "ba", "function": "compute_reproj_err", "mode": "jacobian",
     "wrt": (0, 1, 2), "input": make_input},
    {"name": "ba (w_err)", "function": "compute_w_err", "mode": "jacobian",
     "wrt": 0, "input": make_w_input},
]
