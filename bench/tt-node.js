// The same work as `tweet-enricher -e type -e entities -e
// length:count=twitter`, with twitter-text's JavaScript (npm twitter-text):
// each line parsed, its type and full text found, its entities extracted,
// its weighted length counted, and the tweet written back with them.
const tt = require(process.argv[2] || 'twitter-text');
const rl = require('readline').createInterface({ input: process.stdin });
const out = [];
function flush() { process.stdout.write(out.join('')); out.length = 0; }
rl.on('line', (line) => {
  const t = JSON.parse(line);
  const type = t.retweeted_status ? 'retweet'
    : (t.quoted_status || t.is_quote_status) ? 'quote'
    : (t.in_reply_to_status_id_str || t.in_reply_to_status_id) ? 'reply'
    : 'original';
  const text = (t.extended_tweet && t.extended_tweet.full_text) ||
    t.full_text || t.text || '';
  const ents = { hashtags: [], mentions: [], urls: [], cashtags: [] };
  for (const e of tt.extractEntitiesWithIndices(text)) {
    if (e.url !== undefined) ents.urls.push(e.url);
    else if (e.screenName !== undefined) ents.mentions.push(e.screenName);
    else if (e.hashtag !== undefined) ents.hashtags.push(e.hashtag);
    else ents.cashtags.push(e.cashtag);
  }
  t.enrichments = { type: type, entities: ents,
    length: tt.parseTweet(text).weightedLength };
  out.push(JSON.stringify(t) + '\n');
  if (out.length >= 256) flush();
});
rl.on('close', flush);
