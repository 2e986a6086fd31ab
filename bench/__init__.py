"""The benchmark harness (`make bench`, `python -m bench`), a development tool of the checkout.

Every scenario measures Diptych and the raw limit of the layer beneath it in the same run, in
alternating rounds, and reports the ratio: on a small, noisy machine the ratio means more than
either absolute figure. See the README's "Performance" section.
"""
