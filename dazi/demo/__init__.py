"""The demo project and the synthetic corpus it is built on.

A top floor like the command line: it uses ``corpus`` and ``coding``, and
nothing below it imports it.  :mod:`dazi.demo.builder` builds the demo
project (``dazi demo``, ``make app``); :mod:`dazi.demo.synthetic` makes the
synthetic MediaCrawler corpus it is built on (the files in ``corpus/data/``)
and the fixture data of tests and benchmarks.
"""

from dazi.demo.builder import DEMO_CODERS, DEMO_COMMENTS, DEMO_NOTES, DemoResult, build_demo

__all__ = ["DemoResult", "build_demo", "DEMO_NOTES", "DEMO_COMMENTS", "DEMO_CODERS"]
