"""Working at scale: a synthetic dataset of any size (``synth``) and the benchmark harness (``bench``)."""

__all__: list[str] = []
