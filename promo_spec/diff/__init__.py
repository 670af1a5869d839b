"""Diff two API descriptions: every change classified (breaking for callers or servers, or compatible), rules too."""

from promo_spec.diff.compare import diff_specs
from promo_spec.diff.inputs import load_side
from promo_spec.diff.model import Change, DiffResult
from promo_spec.diff.render import RENDERERS

__all__ = ["RENDERERS", "Change", "DiffResult", "diff_specs", "load_side"]
