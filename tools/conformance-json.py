#!/usr/bin/env python3
# Convert the sections of twitter-text's conformance suite that
# t/check_twtext.c runs (conformance/extract.yml and validate.yml of
# twitter-text, Apache-2.0, https://github.com/twitter/twitter-text) to one
# compact JSON file: {"SECTION": [[text, expected], ...], ...}. Indices are
# code points; a weighted-length case is [text, weightedLength, valid].
#
#   python3 tools/conformance-json.py extract.yml validate.yml \
#       > t/data/twtext-conformance.json
import json
import sys

import yaml

EXTRACT = {
    "mentions": None,
    "mentions_with_indices": ("screen_name",),
    "mentions_or_lists_with_indices": ("screen_name", "list_slug"),
    "urls": None,
    "urls_with_indices": ("url",),
    "urls_with_directional_markers": ("url",),
    "tco_urls_with_params": None,
    "hashtags": None,
    "hashtags_from_astral": None,
    "hashtags_with_indices": ("hashtag",),
    "cashtags": None,
    "cashtags_with_indices": ("cashtag",),
}
VALIDATE = ("WeightedTweetsWithDiscountedEmojiCounterTest",
            "UnicodeDirectionalMarkerCounterTest")


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        extract = yaml.safe_load(f)["tests"]
    with open(sys.argv[2], encoding="utf-8") as f:
        validate = yaml.safe_load(f)["tests"]
    out = {}
    for name, keys in EXTRACT.items():
        cases = []
        for c in extract.get(name, []):
            exp = c["expected"] or []
            if keys is not None:
                exp = [[e[k] for k in keys] + e["indices"] for e in exp]
            cases.append([c["text"], exp])
        out[name] = cases
    for name in VALIDATE:
        out[name] = [[c["text"], c["expected"]["weightedLength"],
                      c["expected"]["valid"]] for c in validate.get(name, [])]
    sys.stdout.write("{\n")
    sys.stdout.write(",\n".join(
        "%s: [\n%s\n]" % (json.dumps(k), ",\n".join(
            json.dumps(c, ensure_ascii=False) for c in v))
        for k, v in out.items()))
    sys.stdout.write("\n}\n")


main()
