"""The Ada-Segment weight controller: pure PyTorch + numpy, no Runner.

See ``controller.py`` for the choices the paper leaves open.
"""
from .controller import (LINEAR_SAMPLING_CONTROLLER, LOG_SAMPLING_CONTROLLER,
                         PAPER_CONTROLLER, WeightController,
                         upgrade_controller_state)
from .ensemble import (MODES, PolicyEnsemble, ensemble_coefficients,
                       ensemble_weights)
from .policy import PolicyNetwork, normalise_losses
from .rewards import (INVALID_REWARD, PAPER_REWARD, ada_segment_rewards,
                      improvement_reward, local_reward)

__all__ = [
    'WeightController', 'PolicyNetwork', 'normalise_losses',
    'ada_segment_rewards', 'local_reward', 'improvement_reward',
    'INVALID_REWARD', 'ensemble_weights', 'ensemble_coefficients',
    'PolicyEnsemble', 'MODES', 'PAPER_CONTROLLER', 'PAPER_REWARD',
    'LOG_SAMPLING_CONTROLLER', 'LINEAR_SAMPLING_CONTROLLER',
    'upgrade_controller_state'
]
