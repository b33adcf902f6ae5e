/*
 * The scripts the stream source and sink run on the server (EVAL: the
 * server caches each by its hash), where several commands must happen
 * together or only on data that need not cross the network.
 */

#include "redis/redis-int.h"

/* Keep the entries we hold: only those still pending to us are touched. */
const char redis_lua_fresh[] =
"local lost = {}\n"
"for i = 3, #ARGV do\n"
"  local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1)\n"
"  if p[1] ~= nil and p[1][2] == ARGV[2] then\n"
"    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'JUSTID')\n"
"  else\n"
"    lost[#lost + 1] = ARGV[i]\n"
"  end\n"
"end\n"
"return lost\n";

/*
 * The prelude of the read and claim scripts: what a read takes of an entry.
 * Only its "tweet" fields cross the network. An entry whose tweets are
 * longer than --max-line (ARGV[6]) goes to the dead-letter stream instead,
 * acknowledged, and never crosses it; taking stops once ARGV[7] bytes are
 * taken. A script returns {entries, dead, last id seen, {{id, length},
 * ...} of the entries too long}.
 */
#define REDIS_LUA_TAKE \
"local maxline, budget = tonumber(ARGV[6]), tonumber(ARGV[7])\n" \
"local out, dead, long, bytes = {}, 0, {}, 0\n" \
"local function tweets(f)\n" \
"  local t, n = {}, 0\n" \
"  for i = 1, #f, 2 do\n" \
"    if f[i] == 'tweet' then\n" \
"      t[#t + 1] = f[i]\n" \
"      t[#t + 1] = f[i + 1]\n" \
"      n = n + #f[i + 1]\n" \
"    end\n" \
"  end\n" \
"  return t, n\n" \
"end\n" \
"local function take(id, f)\n" \
"  if not f then\n" \
"    out[#out + 1] = {id, false}\n" \
"    return\n" \
"  end\n" \
"  local t, n = tweets(f)\n" \
"  if n > maxline then\n" \
"    redis.call('XADD', KEYS[2], '*', 'tweet', t[2], 'reason',\n" \
"      'longer than ' .. maxline .. ' bytes')\n" \
"    redis.call('XACK', KEYS[1], ARGV[1], id)\n" \
"    dead = dead + 1\n" \
"    long[#long + 1] = {id, n}\n" \
"    return\n" \
"  end\n" \
"  out[#out + 1] = {id, t}\n" \
"  bytes = bytes + n\n" \
"end\n" \
"local function readgroup(from, count)\n" \
"  local r = redis.call('XREADGROUP', 'GROUP', ARGV[1], ARGV[2], 'COUNT',\n" \
"    count, 'STREAMS', KEYS[1], from)\n" \
"  if not r then return {} end\n" \
"  return r[1][2]\n" \
"end\n"

/*
 * Read up to ARGV[4] entries given to this consumer, stopping at the byte
 * budget without taking an entry more. New ones (ARGV[3] ">"): the first,
 * then as many of those after it as fit, their sizes seen with XRANGE
 * (which delivers nothing), in one XREADGROUP. Its own pending ones after
 * the id ARGV[3] (after a reconnect): one at a time.
 */
const char redis_lua_read[] = REDIS_LUA_TAKE
"local count, last = tonumber(ARGV[4]), ''\n"
"if ARGV[3] == '>' then\n"
"  local e = readgroup('>', 1)[1]\n"
"  if e then\n"
"    take(e[1], e[2])\n"
"    last = e[1]\n"
"    local sum, m = bytes, 0\n"
"    if count > 1 then\n"
"      for _, x in ipairs(redis.call('XRANGE', KEYS[1], '(' .. last, '+',\n"
"          'COUNT', count - 1)) do\n"
"        if sum >= budget then break end\n"
"        local _, n = tweets(x[2])\n"
"        if n <= maxline then sum = sum + n end\n"
"        m = m + 1\n"
"      end\n"
"    end\n"
"    if m > 0 then\n"
"      for _, x in ipairs(readgroup('>', m)) do\n"
"        take(x[1], x[2])\n"
"        last = x[1]\n"
"      end\n"
"    end\n"
"  end\n"
"else\n"
"  last = ARGV[3]\n"
"  while #out < count and bytes < budget do\n"
"    local e = readgroup(last, 1)[1]\n"
"    if not e then break end\n"
"    last = e[1]\n"
"    take(e[1], e[2])\n"
"  end\n"
"  if last == ARGV[3] then last = '' end\n"
"end\n"
"return {out, dead, last, long}\n";

/*
 * Claim entries idle (ARGV[3] ms) on other consumers, one at a time, up to
 * ARGV[4] tries; those delivered more than ARGV[5] times go to the
 * dead-letter stream instead, acknowledged.
 */
const char redis_lua_claim[] = REDIS_LUA_TAKE
"local cursor, tries = '0-0', 0\n"
"repeat\n"
"  local r = redis.call('XAUTOCLAIM', KEYS[1], ARGV[1], ARGV[2], ARGV[3],\n"
"    cursor, 'COUNT', 1)\n"
"  cursor, tries = r[1], tries + 1\n"
"  for _, e in ipairs(r[2]) do\n"
"    local p = redis.call('XPENDING', KEYS[1], ARGV[1], e[1], e[1], 1)\n"
"    local n = 0\n"
"    if p[1] ~= nil then n = p[1][4] end\n"
"    if n > tonumber(ARGV[5]) then\n"
"      local tweet = ''\n"
"      for i = 1, #(e[2] or {}), 2 do\n"
"        if e[2][i] == 'tweet' then\n"
"          tweet = e[2][i + 1]\n"
"          break\n"
"        end\n"
"      end\n"
"      redis.call('XADD', KEYS[2], '*', 'tweet', tweet, 'reason',\n"
"        'delivered ' .. n .. ' times')\n"
"      redis.call('XACK', KEYS[1], ARGV[1], e[1])\n"
"      dead = dead + 1\n"
"    elseif e[2] then\n"
"      take(e[1], e[2])\n"
"    end\n"
"  end\n"
"until cursor == '0-0' or tries >= tonumber(ARGV[4]) or\n"
"  #out >= tonumber(ARGV[4]) or bytes >= budget\n"
"return {out, dead, '', long}\n";

/*
 * Put an entry on the dead-letter stream with its reason and acknowledge
 * it, together; its (first) tweet is copied on the server, not sent again.
 */
const char redis_lua_dead[] =
"local tweet = ''\n"
"local e = redis.call('XRANGE', KEYS[1], ARGV[2], ARGV[2])\n"
"if e[1] and e[1][2] then\n"
"  for i = 1, #e[1][2], 2 do\n"
"    if e[1][2][i] == 'tweet' then\n"
"      tweet = e[1][2][i + 1]\n"
"      break\n"
"    end\n"
"  end\n"
"end\n"
"redis.call('XADD', KEYS[2], '*', 'tweet', tweet, 'reason', ARGV[3])\n"
"return redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])\n";

/* Write and acknowledge together, if the entry is still ours. */
const char redis_lua_write[] =
"local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1,\n"
"  ARGV[2])\n"
"if p[1] == nil then return 0 end\n"
"if ARGV[5] ~= '' then\n"
"  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[5], '*', 'tweet',\n"
"    ARGV[4])\n"
"else\n"
"  redis.call('XADD', KEYS[2], '*', 'tweet', ARGV[4])\n"
"end\n"
"redis.call('XACK', KEYS[1], ARGV[1], ARGV[3])\n"
"return 1\n";
