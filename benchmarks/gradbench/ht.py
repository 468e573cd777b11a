"""GradBench's ``ht`` eval (simple variant): hand tracking, the residuals between observed
points and the vertices of a skinned hand model posed by 26 parameters, and their
Jacobian in those parameters.

Origin: https://github.com/gradbench/gradbench (MIT licence), ``evals/ht`` and the
PyTorch tool's ``hand_objective`` (Microsoft's ADBench, MIT licence); ported to NumPy as
its author wrote it in PyTorch: the pose parameters and rotation matrices are filled by
writing into ``np.zeros``/``np.eye`` arrays (rows, entries, a 3x3 block), the bones'
transforms are lists built by comprehensions or ``.append`` and joined with ``np.stack``,
helpers are nested functions, the global rotation is scaled in place (``R *= s``), and
indices are converted with ``int(...)``. ``torch.transpose(x, 0, 1)`` is NumPy's
``np.transpose``/``.T`` and ``x.transpose(0, 2)`` is ``x.swapaxes(0, 2)``.
"""

# ruff: noqa: B007 (i_finger is unused in the authors' loop too)
import numpy as np


def to_pose_params(theta, nbones):
    pose_params = np.zeros((int(nbones) + 3, 3))

    pose_params[0, :] = theta[0:3]
    pose_params[1, :] = np.ones((3,))
    pose_params[2, :] = theta[3:6]

    i_theta = 6
    i_pose_params = 5
    n_fingers = 5
    for i_finger in range(n_fingers):
        for i in [1, 2, 3]:
            pose_params[i_pose_params, 0] = theta[i_theta]
            i_theta += 1
            if i == 1:
                pose_params[i_pose_params, 1] = theta[i_theta]
                i_theta += 1
            i_pose_params += 1
        i_pose_params += 1

    return pose_params


def euler_angles_to_rotation_matrix(xzy):
    tx = xzy[0]
    ty = xzy[2]
    tz = xzy[1]

    Rx = np.eye(3)
    Rx[1, 1] = np.cos(tx)
    Rx[2, 1] = np.sin(tx)
    Rx[1, 2] = -Rx[2, 1]
    Rx[2, 2] = Rx[1, 1]

    Ry = np.eye(3)
    Ry[0, 0] = np.cos(ty)
    Ry[2, 0] = np.sin(ty)
    Ry[0, 2] = -Ry[2, 0]
    Ry[2, 2] = Ry[0, 0]

    Rz = np.eye(3)
    Rz[0, 0] = np.cos(tz)
    Rz[1, 0] = np.sin(tz)
    Rz[0, 1] = -Rz[1, 0]
    Rz[1, 1] = Rz[0, 0]

    return (Rz @ Ry) @ Rx


def get_posed_relatives(pose_params, base_relatives):
    def inner(rot_param, base_relative):
        tr = np.eye(4)
        R = euler_angles_to_rotation_matrix(rot_param)
        tr[:3, :3] = R
        return base_relative @ tr

    relatives = np.stack(
        [
            inner(pose_params[3:][i], base_relatives[i])
            for i in range(len(pose_params[3:]))
        ]
    )

    return relatives


def relatives_to_absolutes(relatives, parents):
    absolutes = []
    for i in range(relatives.shape[0]):
        if parents[i] == -1:
            absolutes.append(relatives[i])
        else:
            absolutes.append(absolutes[parents[i]] @ relatives[i])

    return np.stack(absolutes)


def angle_axis_to_rotation_matrix(angle_axis):
    n = np.sqrt(np.sum(angle_axis**2))

    def aa2R():
        angle_axis_normalized = angle_axis / n
        x = angle_axis_normalized[0]
        y = angle_axis_normalized[1]
        z = angle_axis_normalized[2]
        s, c = np.sin(n), np.cos(n)
        R = np.zeros((3, 3))
        R[0, 0] = x * x + (1 - x * x) * c
        R[0, 1] = x * y * (1 - c) - z * s
        R[0, 2] = x * z * (1 - c) + y * s

        R[1, 0] = x * y * (1 - c) + z * s
        R[1, 1] = y * y + (1 - y * y) * c
        R[1, 2] = y * z * (1 - c) - x * s

        R[2, 0] = x * z * (1 - c) - y * s
        R[2, 1] = z * y * (1 - c) + x * s
        R[2, 2] = z * z + (1 - z * z) * c
        return R

    if n < 0.0001:
        return np.eye(3)
    else:
        return aa2R()


def apply_global_transform(pose_params, positions):
    R = angle_axis_to_rotation_matrix(pose_params[0])
    s = pose_params[1]
    R *= s
    t = pose_params[2]
    return np.transpose(R @ np.transpose(positions)) + t


def get_skinned_vertex_positions(
    pose_params,
    base_relatives,
    parents,
    inverse_base_absolutes,
    base_positions,
    weights,
    mirror_factor,
):
    relatives = get_posed_relatives(pose_params, base_relatives)

    absolutes = relatives_to_absolutes(relatives, parents)

    transforms = np.stack(
        [(absolutes[i] @ inverse_base_absolutes[i]) for i in range(len(absolutes))]
    )

    positions = (
        np.stack(
            [
                transforms[i, :, :] @ base_positions.T
                for i in range(transforms.shape[0])
            ]
        )
        .swapaxes(0, 2)
        .swapaxes(1, 2)
    )

    positions2 = np.sum(positions * weights.reshape((*weights.shape, 1)), 1)[:, :3]

    positions3 = apply_global_transform(pose_params, positions2)

    return positions3


def hand_objective(
    params,
    nbones,
    parents,
    base_relatives,
    inverse_base_absolutes,
    base_positions,
    weights,
    mirror_factor,
    points,
    correspondences,
):
    pose_params = to_pose_params(params, nbones)
    vertex_positions = get_skinned_vertex_positions(
        pose_params,
        base_relatives,
        parents,
        inverse_base_absolutes,
        base_positions,
        weights,
        mirror_factor,
    )

    err = np.stack(
        [
            points[i] - vertex_positions[int(correspondences[i])]
            for i in range(points.shape[0])
        ]
    )

    return err


# -- what the benchmark differentiates, and its input ---------------------------------

# The bone tree of GradBench's hand model: the wrist, four bones per finger (each
# finger's first bone hangs off the wrist), and the forearm.
PARENTS = [-1, 0, 1, 2, 3, 0, 5, 6, 7, 0, 9, 10, 11, 0, 13, 14, 15, 0, 17, 18, 19, 0]


def _random_rigid(rng, scale):
    """A 4x4 rigid transform: a rotation by small random Euler angles and a shift."""
    a, b, c = rng.uniform(-0.4, 0.4, size=3)
    rx = np.array([[1, 0, 0], [0, np.cos(a), -np.sin(a)], [0, np.sin(a), np.cos(a)]])
    ry = np.array([[np.cos(b), 0, np.sin(b)], [0, 1, 0], [-np.sin(b), 0, np.cos(b)]])
    rz = np.array([[np.cos(c), -np.sin(c), 0], [np.sin(c), np.cos(c), 0], [0, 0, 1]])
    out = np.eye(4)
    out[:3, :3] = rz @ ry @ rx
    out[:3, 3] = rng.uniform(-scale, scale, size=3)
    return out


def make_input(small=False):
    """A synthetic hand with the shapes of GradBench's smallest ``simple_small`` input
    (22 bones in the hand's tree, 544 vertices, 100 points, 26 pose parameters; the real
    model's files are not copied here): rigid bone transforms with consistent inverse
    rest poses, each vertex skinned to up to three bones. ``small``: 12 vertices,
    5 points. Seed 31337."""
    rng = np.random.default_rng(31337)
    nbones = len(PARENTS)
    n_verts, n_points = (12, 5) if small else (544, 100)
    base_relatives = np.stack([_random_rigid(rng, 0.05) for _ in range(nbones)])
    absolutes = []
    for i, parent in enumerate(PARENTS):
        rel = base_relatives[i]
        absolutes.append(rel if parent == -1 else absolutes[parent] @ rel)
    inverse_base_absolutes = np.stack([np.linalg.inv(a) for a in absolutes])
    base_positions = np.ones((n_verts, 4))
    base_positions[:, :3] = rng.uniform(-0.1, 0.1, size=(n_verts, 3))
    weights = np.zeros((n_verts, nbones))
    for v in range(n_verts):
        bones = rng.choice(nbones, size=rng.integers(1, 4), replace=False)
        weights[v, bones] = rng.uniform(0.1, 1.0, size=len(bones))
    weights /= weights.sum(axis=1, keepdims=True)
    correspondences = rng.integers(0, n_verts, size=n_points)
    points = rng.uniform(-0.1, 0.1, size=(n_points, 3))
    theta = rng.uniform(-0.3, 0.3, size=26)
    return (theta, nbones, np.array(PARENTS), base_relatives, inverse_base_absolutes,
            base_positions, weights, 1.0, points, correspondences), {}


CASES = [
    {"name": "ht", "function": "hand_objective", "mode": "jacobian", "wrt": 0,
     "input": make_input},
]
