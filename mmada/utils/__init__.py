from .checkpoint import add_safe_globals, load_checkpoint_file
from .io import atomic_json_dump, atomic_torch_save, atomic_write
from .seeding import EpochSeedHook, derive_seed, seed_everything, seed_worker

__all__ = [
    'add_safe_globals', 'load_checkpoint_file', 'atomic_write',
    'atomic_json_dump', 'atomic_torch_save', 'EpochSeedHook', 'derive_seed',
    'seed_everything', 'seed_worker'
]
