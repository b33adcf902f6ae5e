#!/usr/bin/python3
"""The asyncio + aiohttp peer: the same enrichment as
tweet-enricher -e 'http:url=URL{/seq},select=/ok', with J requests at once.

usage: py_aiohttp.py URLPREFIX J < tweets.jsonl > out.jsonl
"""
import asyncio
import json
import sys

import aiohttp


async def main(prefix, j):
    sem = asyncio.Semaphore(j)
    conn = aiohttp.TCPConnector(limit=j)
    out = sys.stdout
    async with aiohttp.ClientSession(connector=conn) as session:
        async def one(line):
            t = json.loads(line)
            async with sem:
                async with session.get(prefix + str(t["seq"])) as r:
                    v = (await r.json(content_type=None))["ok"]
            t["enrichments"] = {"http": v}
            out.write(json.dumps(t, ensure_ascii=False) + "\n")

        pending = set()
        for line in sys.stdin:
            pending.add(asyncio.ensure_future(one(line)))
            if len(pending) >= 4 * j:
                _, pending = await asyncio.wait(
                    pending, return_when=asyncio.FIRST_COMPLETED)
        if pending:
            await asyncio.wait(pending)


asyncio.run(main(sys.argv[1], int(sys.argv[2])))
