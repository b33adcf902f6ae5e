#!/usr/bin/env python3
# Regenerate t/data/twtext-conformance.json, the cases t/check_twtext runs,
# from twitter-text's own conformance suite (conformance/extract.yml and
# conformance/validate.yml of https://github.com/twitter/twitter-text,
# Apache-2.0), kept verbatim in t/data/twtext-upstream/. Every section of
# extract.yml and the v3 weighted-length sections of validate.yml are
# copied case by case, description, text and expectation as upstream wrote
# them: nothing is dropped, reordered or edited. Run by hand (python3-yaml);
# the build and the tests need only the JSON it writes:
#
#   python3 tools/conformance-json.py --commit COMMIT \
#       t/data/twtext-upstream/extract.yml \
#       t/data/twtext-upstream/validate.yml > t/data/twtext-conformance.json
import argparse
import json
import sys

import yaml

REPOSITORY = "https://github.com/twitter/twitter-text"
# validate.yml's sections counted with the v3 configuration (emoji
# discounted), the one tweet-enricher implements.
VALIDATE_V3 = ("WeightedTweetsWithDiscountedEmojiCounterTest",
               "UnicodeDirectionalMarkerCounterTest")


def load(path):
    """The tests mapping of one conformance file."""
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)["tests"]


def cases(section):
    """One section's cases as JSON lines, in upstream's order."""
    return ",\n".join(json.dumps({"description": c["description"],
                                  "text": c["text"],
                                  "expected": c["expected"]},
                                 ensure_ascii=False, sort_keys=False)
                      for c in section)


def part(tests, names):
    """A JSON object of the named sections."""
    return "{\n" + ",\n".join("%s: [\n%s\n]" % (json.dumps(n), cases(tests[n]))
                              for n in names) + "\n}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--commit", required=True,
                    help="the twitter-text commit the files come from")
    ap.add_argument("extract")
    ap.add_argument("validate")
    a = ap.parse_args()
    extract = load(a.extract)
    validate = load(a.validate)
    missing = [n for n in VALIDATE_V3 if n not in validate]
    if missing:
        sys.exit("validate.yml has no section %s" % ", ".join(missing))
    source = {"repository": REPOSITORY, "commit": a.commit,
              "files": ["conformance/extract.yml", "conformance/validate.yml"],
              "licence": "Apache-2.0",
              "generator": "tools/conformance-json.py"}
    sys.stdout.write("{\n\"source\": %s,\n\"extract\": %s,\n"
                     "\"validate\": %s\n}\n"
                     % (json.dumps(source), part(extract, list(extract)),
                        part(validate, VALIDATE_V3)))


main()
