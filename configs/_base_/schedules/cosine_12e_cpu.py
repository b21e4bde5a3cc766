# The CPU schedule of the tiny configs at 12 epochs (the transfer to a
# longer schedule, Table 3 at CPU scale): cosine_6e_cpu.py with max_epochs
# 12 and validation at the end; same optimizer and 50-iteration warm-up (the
# cosine runs to the end of max_epochs).
_base_ = './cosine_6e_cpu.py'
train_cfg = dict(max_epochs=12, val_interval=12)
