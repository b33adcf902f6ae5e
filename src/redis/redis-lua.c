/*
 * The scripts the stream source and sink run on the server (EVAL: the
 * server caches each by its hash), where several commands must happen
 * together or only on data that need not cross the network.
 */

#include "redis/redis.h"

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
 * Claim entries idle too long on other consumers; those delivered more
 * than the limit go to the dead-letter stream instead, acknowledged.
 */
const char redis_lua_claim[] =
"local r = redis.call('XAUTOCLAIM', KEYS[1], ARGV[1], ARGV[2], ARGV[3],\n"
"  '0-0', 'COUNT', ARGV[4])\n"
"local out, dead = {}, 0\n"
"for _, e in ipairs(r[2]) do\n"
"  local id, f = e[1], e[2]\n"
"  local p = redis.call('XPENDING', KEYS[1], ARGV[1], id, id, 1)\n"
"  local n = 0\n"
"  if p[1] ~= nil then n = p[1][4] end\n"
"  if n > tonumber(ARGV[5]) then\n"
"    local tweet = ''\n"
"    if f then\n"
"      for i = 1, #f, 2 do\n"
"        if f[i] == 'tweet' then tweet = f[i + 1] end\n"
"      end\n"
"    end\n"
"    redis.call('XADD', KEYS[2], '*', 'tweet', tweet, 'reason',\n"
"      'delivered ' .. n .. ' times')\n"
"    redis.call('XACK', KEYS[1], ARGV[1], id)\n"
"    dead = dead + 1\n"
"  elseif f then\n"
"    out[#out + 1] = e\n"
"  end\n"
"end\n"
"return {out, dead}\n";

/* Put an entry on the dead-letter stream and acknowledge it, together. */
const char redis_lua_dead[] =
"redis.call('XADD', KEYS[2], '*', 'tweet', ARGV[3], 'reason', ARGV[4])\n"
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
