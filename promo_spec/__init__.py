"""Read the hand-written API description in ``spec/``: load, validate, dereference, rules, XML."""

from promo_spec.errors import SpecError
from promo_spec.loader import Spec, load_spec
from promo_spec.locate import default_spec_path

__all__ = ["Spec", "SpecError", "default_spec_path", "load_spec"]
