# The scenes exploration (m = 8, T = 12) with the equalised start of Eq. 1
# (EQUALISED_CONTROLLER): lambda = (mean(l) / l) * exp(z(l / l_ref)), so the
# untrained controller equalises the loss scales, as the paper's pi^0 does on
# raw losses, and the policy learns departures from that, scale-free
# (configs/ada_segment/README.md, "Equalised start"). Its controller drives
# ada-segment-equalised_tiny_1xb4-cos-6e_synthetic-panoptic-scenes.py.
#   bash tools/dist_explore.sh <this config> 2
_base_ = './ada-segment-explore_tiny_m8-1xb4-cos-6e_synthetic-panoptic-scenes.py'
train_cfg = dict(controller=dict(equalise='mean'))
