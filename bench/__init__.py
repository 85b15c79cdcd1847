"""careerbot's benchmarks: what users feel, measured by hand (``python -m bench``).

Not part of the test suite and not shipped in the wheel: timings belong in a report a
person reads next to the machine they came from, not in assertions that flake on a busy
CI runner. See the "Benchmarks" section of the README for what each figure means.
"""
