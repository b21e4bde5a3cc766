"""Evaluation: the name-ordered panoptic metric."""
from .panoptic_metric import PanopticMetric

__all__ = ['PanopticMetric']
