#!/usr/bin/env python3
"""Run Gnip-style enrichment classes, unchanged, as a tweet-enricher worker.

    tweet-enricher -e 'exec:cmd=python3 gnip_enrichment.py TestEnrichment'
    tweet-enricher -e 'exec:cmd=python3 gnip_enrichment.py SlowEnrichment,workers=10'
    tweet-enricher -e 'exec:cmd=python3 gnip_enrichment.py my_module.MyEnrichment'

usage: gnip_enrichment.py [-p DIR] CLASS [CLASS ...]

CLASS is one of the two classes below (the classic pipeline's examples), or
MODULE.CLASS, imported from the current directory, DIR (-p, repeatable) or
sys.path. An enrichment class is what the Gnip analysis pipeline runs: an
object whose enrichment_value(self, tweet) returns a JSON-serialisable value
(or, older style, whose enrich(self, tweet) sets
tweet["enrichments"][ClassName]). Modules that import BaseEnrichment from
"enrichment_base" (or gnip_analysis_pipeline's) find it here if they cannot
find it elsewhere.

The protocol of tweet-enricher's exec enricher: one tweet as a JSON line on
stdin, one JSON line answered on stdout: the value (with several classes, an
object of values by class name), or {"error": "..."} when a class raised.
Whatever the classes print goes to stderr, never into the answers.
"""

import importlib
import json
import os
import sys
import time
import types


class BaseEnrichment(object):
    """The Gnip pipeline's base class: enrich() stores enrichment_value()."""

    def __init__(self):
        pass

    def enrich(self, tweet):
        if "enrichments" not in tweet:
            tweet["enrichments"] = {}
        tweet["enrichments"][self.__class__.__name__] = \
            self.enrichment_value(tweet)

    def enrichment_value(self, tweet):
        raise NotImplementedError


EnrichmentBase = BaseEnrichment


class TestEnrichment(EnrichmentBase):
    """The classic pipeline's smoke test."""

    def enrichment_value(self, tweet):
        return 42


class SlowEnrichment(EnrichmentBase):
    """Sleeps one second more than the last digit of the body (one second
    if it does not end with a digit): a stand-in for a slow lookup."""

    def enrichment_value(self, tweet):
        last = tweet["body"][-1:]
        n = (int(last) if last.isdigit() else 0) + 1
        time.sleep(n)
        return "%d second nap" % n


def provide_base():
    """Let user modules import BaseEnrichment the ways Gnip's did."""
    for name in ("enrichment_base",
                 "gnip_analysis_pipeline.enrichment.enrichment_base",
                 "gnip_analysis_pipeline.enrichments.enrichment_base"):
        try:
            importlib.import_module(name)
            continue
        except ImportError:
            pass
        parts = name.split(".")
        for i in range(1, len(parts)):
            pkg = ".".join(parts[:i])
            if pkg not in sys.modules:
                mod = types.ModuleType(pkg)
                mod.__path__ = []
                sys.modules[pkg] = mod
        mod = types.ModuleType(name)
        mod.BaseEnrichment = BaseEnrichment
        mod.EnrichmentBase = BaseEnrichment
        sys.modules[name] = mod


def load(spec):
    """An instance of CLASS or MODULE.CLASS."""
    if "." not in spec:
        cls = globals().get(spec)
        if not isinstance(cls, type):
            raise SystemExit("gnip_enrichment.py: no class %s here; give "
                             "MODULE.CLASS" % spec)
        return spec, cls()
    module, _, name = spec.rpartition(".")
    return name, getattr(importlib.import_module(module), name)()


def value_of(name, instance, tweet):
    """What the class gives for the tweet."""
    if hasattr(instance, "enrichment_value"):
        return instance.enrichment_value(tweet)
    copy = dict(tweet)
    copy["enrichments"] = {}
    instance.enrich(copy)
    return copy["enrichments"].get(name)


def main(argv):
    paths, specs = [], []
    args = iter(argv)
    for a in args:
        if a == "-p":
            paths.append(next(args))
        else:
            specs.append(a)
    if not specs:
        raise SystemExit(__doc__.split("\n\n")[2])
    sys.path[:0] = paths + [os.getcwd()]
    provide_base()
    classes = [load(s) for s in specs]

    # Answers go to the real stdout; anything the classes print, to stderr.
    out = sys.stdout
    sys.stdout = sys.stderr
    for line in sys.stdin.buffer:
        try:
            tweet = json.loads(line)
            if len(classes) == 1:
                value = value_of(classes[0][0], classes[0][1], tweet)
            else:
                value = {n: value_of(n, c, tweet) for n, c in classes}
            answer = json.dumps(value, allow_nan=False)
        except Exception as e:
            answer = json.dumps({"error": "%s: %s" % (type(e).__name__, e)})
        out.write(answer + "\n")
        out.flush()


if __name__ == "__main__":
    main(sys.argv[1:])
