"""The smallest rewrite of ``ht.py`` that gradc compiles (see ``REWRITES``)."""

# ruff: noqa: B007 (i_finger is unused in the authors' loop too)
import numpy as np
from kinds import CLOSURE, FORM, LIST, MISSING, WRITE

REWRITES = [
    (WRITE,
     'to_pose_params: its writes into np.zeros (a row, an entry) as np.where on '
     'row/column masks of the carried array (nested, as the operator & on masks is '
     'refused too)'),
    (LIST,
     'to_pose_params: for i in [1, 2, 3] (a list) as for i in range(1, 4)'),
    (WRITE,
     'euler_angles_to_rotation_matrix: the entry writes into np.eye(3) (and reads back '
     'of written entries) as np.array([[...]]) of the entries'),
    (CLOSURE,
     'get_posed_relatives: the helper inner, nested in it, moved to module level'),
    (WRITE,
     'inner: the block write tr[:3, :3] = R into np.eye(4) as np.concatenate of R, a '
     'zero column and the row [0, 0, 0, 1]'),
    (LIST,
     'get_posed_relatives: np.stack([inner(...) for i in ...]) (a comprehension) as a '
     'loop writing each bone with np.where on a bone-index mask'),
    (LIST,
     'relatives_to_absolutes: the list absolutes (.append, absolutes[parents[i]], '
     'np.stack) as an array written bone by bone with np.where'),
    (LIST,
     'get_skinned_vertex_positions: np.stack([absolutes[i] @ inverse_base_absolutes[i] '
     'for i in ...]) (a comprehension) as the batched absolutes @ '
     'inverse_base_absolutes'),
    (LIST,
     'get_skinned_vertex_positions: np.stack([transforms[i, :, :] @ base_positions.T '
     'for i in ...]) (a comprehension) as the batched transforms @ base_positions.T'),
    (MISSING,
     'get_skinned_vertex_positions: the methods .swapaxes(0, 2).swapaxes(1, 2) as '
     'np.swapaxes calls'),
    (FORM,
     'get_skinned_vertex_positions: weights.reshape((*weights.shape, 1)) (a shape '
     'built from .shape) as weights[:, :, None]'),
    (CLOSURE,
     'angle_axis_to_rotation_matrix: the closure aa2R moved to module level '
     '(angle_axis and n passed in)'),
    (WRITE,
     'aa2R: the nine entry writes into np.zeros((3, 3)) as np.array([[...]])'),
    (LIST,
     'hand_objective: np.stack([points[i] - vertex_positions[int(correspondences[i])] '
     'for i in ...]) (a comprehension) as points - vertex_positions[correspondences]'),
]


def to_pose_params(theta, nbones):
    pose_params = np.zeros((int(nbones) + 3, 3))
    rows = np.arange(int(nbones) + 3)[:, None]
    cols = np.arange(3)[None, :]

    pose_params = np.where(rows == 0, theta[0:3], pose_params)
    pose_params = np.where(rows == 1, np.ones((3,)), pose_params)
    pose_params = np.where(rows == 2, theta[3:6], pose_params)

    i_theta = 6
    i_pose_params = 5
    n_fingers = 5
    for i_finger in range(n_fingers):
        for i in range(1, 4):
            entry = np.where(cols == 0, theta[i_theta], pose_params)
            pose_params = np.where(rows == i_pose_params, entry, pose_params)
            i_theta += 1
            if i == 1:
                entry = np.where(cols == 1, theta[i_theta], pose_params)
                pose_params = np.where(rows == i_pose_params, entry, pose_params)
                i_theta += 1
            i_pose_params += 1
        i_pose_params += 1

    return pose_params
def euler_angles_to_rotation_matrix(xzy):
    tx = xzy[0]
    ty = xzy[2]
    tz = xzy[1]

    Rx = np.array([[1.0, 0.0, 0.0],
                   [0.0, np.cos(tx), -np.sin(tx)],
                   [0.0, np.sin(tx), np.cos(tx)]])

    Ry = np.array([[np.cos(ty), 0.0, -np.sin(ty)],
                   [0.0, 1.0, 0.0],
                   [np.sin(ty), 0.0, np.cos(ty)]])

    Rz = np.array([[np.cos(tz), -np.sin(tz), 0.0],
                   [np.sin(tz), np.cos(tz), 0.0],
                   [0.0, 0.0, 1.0]])

    return (Rz @ Ry) @ Rx


def inner(rot_param, base_relative):
    R = euler_angles_to_rotation_matrix(rot_param)
    tr = np.concatenate(
        [np.concatenate([R, np.zeros((3, 1))], axis=1), np.array([[0.0, 0.0, 0.0, 1.0]])],
        axis=0,
    )
    return base_relative @ tr


def get_posed_relatives(pose_params, base_relatives):
    relatives = np.zeros_like(base_relatives)
    bones = np.arange(len(pose_params[3:]))[:, None, None]
    for i in range(len(pose_params[3:])):
        relative = inner(pose_params[3:][i], base_relatives[i])
        relatives = np.where(bones == i, relative, relatives)

    return relatives


def relatives_to_absolutes(relatives, parents):
    absolutes = np.zeros_like(relatives)
    bones = np.arange(relatives.shape[0])[:, None, None]
    for i in range(relatives.shape[0]):
        if parents[i] == -1:
            absolute = relatives[i]
        else:
            absolute = absolutes[parents[i]] @ relatives[i]
        absolutes = np.where(bones == i, absolute, absolutes)

    return absolutes


def aa2R(angle_axis, n):
    angle_axis_normalized = angle_axis / n
    x = angle_axis_normalized[0]
    y = angle_axis_normalized[1]
    z = angle_axis_normalized[2]
    s, c = np.sin(n), np.cos(n)
    R = np.array([
        [x * x + (1 - x * x) * c, x * y * (1 - c) - z * s, x * z * (1 - c) + y * s],
        [x * y * (1 - c) + z * s, y * y + (1 - y * y) * c, y * z * (1 - c) - x * s],
        [x * z * (1 - c) - y * s, z * y * (1 - c) + x * s, z * z + (1 - z * z) * c],
    ])
    return R


def angle_axis_to_rotation_matrix(angle_axis):
    n = np.sqrt(np.sum(angle_axis**2))

    if n < 0.0001:
        return np.eye(3)
    else:
        return aa2R(angle_axis, n)


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

    transforms = absolutes @ inverse_base_absolutes

    positions = np.swapaxes(np.swapaxes(transforms @ base_positions.T, 0, 2), 1, 2)

    positions2 = np.sum(positions * weights[:, :, None], 1)[:, :3]

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

    err = points - vertex_positions[correspondences]

    return err


