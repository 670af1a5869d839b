"""promo-gen: typed clients and living documentation generated from the spec.

Pipeline, one stage per module: ``load`` (promo_spec) → ``parse`` (IR, ``ir``) →
``render`` (Jinja2) → ``write`` (atomic); ``check`` compares a fresh render with the
committed output.
"""
