"""`oscnet bench ...`: measurements reported as ratios against a reference run beside them."""
