# Baseline-P (Table 1): Ada-Segment's population without the controller.
# The same exploration as ada-segment-explore_tiny_*: every member
# continues from the best model at each checkpoint (exploit) and trains with
# the best member's weights perturbed by x0.8 / x1.2 (explore); its result is
# the best model, work_dirs/<this config>/best_model.pth.
#   python tools/explore.py <this config>
_base_ = '../ada_segment/ada-segment-explore_tiny_m4-1xb4-cos-2e_synthetic-panoptic.py'
train_cfg = dict(strategy='pbt')
