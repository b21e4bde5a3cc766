# The untrained equalised controller as a 1x rule (no exploration): pi^0 of
# EQUALISED_CONTROLLER through Eq. 7, i.e. lambda^{e+1} = mean(l^e) / l^e
# after the pseudo interval (all 1), every weighted loss equal to the mean
# loss of the interval before; Ada-Segment's 1/lambda head lr as in every
# transfer. For the paper's raw-state pi^0 give
# controller=dict(state='raw', output='linear', param_scale=1.0).
#   python tools/train.py <this config>
_base_ = './ada-segment_tiny_1xb4-cos-6e_synthetic-panoptic-scenes.py'
custom_hooks = [
    dict(type='EpochSeedHook'),
    dict(type='LossWeightHook',
         weighting=dict(type='AdaSegmentWeighting',
                        controller=dict(equalise='mean'),
                        mode='untrained')),
]
