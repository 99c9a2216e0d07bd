"""Pieces of Weka 3.6's own arithmetic.

* (Weka's Utils.doubleToString is `wekaformat.double_to_string`): round half away from
  zero to that many decimals, drop trailing zeros and a trailing point, Java's Double.toString
  for values too large for a long. Weka's model texts print numbers with it.
* The Cephes coefficients (public-domain numbers) of the rational approximations of erf and
  erfc that weka.core.Statistics.normalProbability uses; `naive_bayes.ndtr` evaluates them.
"""

from __future__ import annotations

# The Cephes coefficients Weka's Statistics uses (public-domain numbers).
ERF_T = (9.604973739870516, 90.02601972038427, 2232.005345946843, 7003.325141128051, 55592.30130103949)
ERF_U = (33.56171416475031, 521.3579497801527, 4594.323829709801, 22629.000061389095, 49267.39426086359)
ERFC_P = (2.461969814735305e-10, 0.5641895648310689, 7.463210564422699, 48.63719709856814, 196.5208329560771,
           526.4451949954773, 934.5285271719576, 1027.5518868951572, 557.5353353693994)
ERFC_Q = (13.228195115474499, 86.70721408859897, 354.9377788878199, 975.7085017432055, 1823.9091668790973,
           2246.3376081871097, 1656.6630919416134, 557.5353408177277)
ERFC_R = (0.5641895835477551, 1.275366707599781, 5.019050422511805, 6.160210979930536, 7.4097426995044895,
           2.9788666537210022)
ERFC_S = (2.2605286322011726, 9.396035249380015, 12.048953980809666, 17.08144507475659, 9.608968090632859,
           3.369076451000815)
SQRTH = 0.7071067811865476
MAXLOG = 709.782712893384


