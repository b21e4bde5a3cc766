"""A controller file whose policies are known in closed form, for unit tests
of the transfer rule (``AdaSegmentWeighting``)."""
import torch

from mmada.controller import WeightController


def write_controller(path, loss_names, biases, best=None):
    """Save a controller whose snapshot pi^t outputs the constant
    ``biases[t - 1]`` (the literal linear output with its last layer's
    weights 0): lambda^t(x) = pi^t(x) / x = biases[t - 1] / x, so Eq. 7 can be
    worked out by hand. ``best``: lambda_best^T (for mode 'final')."""
    ctrl = WeightController(loss_names, hidden=2, output='linear',
                            param_scale=1.0, sampling='linear')
    for _ in biases:
        ctrl.snapshot()
    state = ctrl.state_dict()
    if best is not None:
        state['best_loss_weights'] = torch.tensor(best, dtype=torch.float64)
    for snapshot, bias in zip(state['snapshots'], biases):
        snapshot['fc3.weight'] = torch.zeros_like(snapshot['fc3.weight'])
        snapshot['fc3.bias'] = torch.tensor(bias, dtype=torch.float64)
    torch.save(state, path)
    return str(path)
