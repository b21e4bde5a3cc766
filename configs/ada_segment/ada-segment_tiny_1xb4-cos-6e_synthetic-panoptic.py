# Policy transfer (Eq. 7): the tiny network trained for 6 epochs on the
# built-in dataset with loss weights from the controller the exploration
# saved (the policy ensemble of pi^1..pi^T, gamma 0.9). Epoch 1 is the
# pseudo interval (weights 1, gives l^1); epochs 2-6 use Eq. 7 (E = 5, T = 3).
#   python tools/explore.py configs/ada_segment/ada-segment-explore_tiny_m4-1xb4-cos-2e_synthetic-panoptic.py
#   python tools/train.py <this config>
_base_ = '../cascade_panoptic_fpn/cascade-panoptic-fpn_tiny_1xb4-cos-6e_synthetic-panoptic.py'

controller = ('work_dirs/ada-segment-explore_tiny_m4-1xb4-cos-2e_'
              'synthetic-panoptic/controller.pth')
custom_hooks = [
    dict(type='EpochSeedHook'),
    dict(type='LossWeightHook',
         weighting=dict(type='AdaSegmentWeighting',
                        controller=controller,
                        mode='comb-dy')),
]
