_base_ = 'mmdet::_base_/default_runtime.py'
custom_imports = dict(imports=['mmada'], allow_failed_imports=False)
# stop at the first non-finite loss or loss weight, naming it and the
# iteration (mmada/engine/hooks/finite_loss_hook.py)
default_hooks = dict(check_loss=dict(type='FiniteLossHook'))
