"""Economic-complexity metrics on long (tidy) tables.

See :mod:`stackatlas.metrics.complexity` for the formulas, conventions and references.
"""

from stackatlas.metrics.complexity import (
    ConvergenceWarning,
    FitnessComplexity,
    complexity,
    fitness_complexity,
    proximity,
)

__all__ = [
    "ConvergenceWarning",
    "FitnessComplexity",
    "complexity",
    "fitness_complexity",
    "proximity",
]
