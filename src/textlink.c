/*
 * Links in a tweet's text, for a tweet that carries no entities: URLs with
 * a scheme found the way twitter-text finds them. A t.co link's path is
 * letters and digits only; another path or query ends at a character
 * twitter-text allows there (so trailing punctuation is left out), keeps
 * balanced parentheses, and stops at anything else (white space, CJK
 * punctuation, full-width brackets). A link cut by truncation (followed by
 * an ellipsis) is left out: it would lead nowhere.
 */

#include <string.h>
#include <strings.h>

#include "tweet-enricher.h"

/* ASCII characters of a path, and those a path may end with. */
#define TEXTLINK_PATH "!*';:=+,.$/%#[]-_~|&@"
#define TEXTLINK_PATH_END "=_#/+-"
/* The same for a query. */
#define TEXTLINK_QUERY "!?*'@();:&=+$/%#[]-_.,~|"
#define TEXTLINK_QUERY_END "-_&=#/"

static int
textlink_alnum(u_char c)
{
	return ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'));
}

/* The code point of the UTF-8 sequence at s (len > 0); *n its bytes. */
static u_int
textlink_cp(const u_char *s, size_t len, size_t *n)
{
	u_int	cp, k, need;

	if (s[0] < 0x80) {
		*n = 1;
		return (s[0]);
	}
	if (s[0] >= 0xf0) {
		need = 3;
		cp = s[0] & 0x07;
	} else if (s[0] >= 0xe0) {
		need = 2;
		cp = s[0] & 0x0f;
	} else {
		need = 1;
		cp = s[0] & 0x1f;
	}
	if (need >= len) {
		*n = 1;
		return (0xfffd);
	}
	for (k = 1; k <= need; k++)
		cp = (cp << 6) | (s[k] & 0x3f);
	*n = need + 1;
	return (cp);
}

/* Latin letters with accents and Cyrillic, allowed in a path (and at
 * its end) by twitter-text. */
static int
textlink_letter(u_int cp)
{
	return ((cp >= 0xc0 && cp <= 0xd6) || (cp >= 0xd8 && cp <= 0xf6) ||
	    (cp >= 0xf8 && cp <= 0x24f) || (cp >= 0x253 && cp <= 0x254) ||
	    (cp >= 0x256 && cp <= 0x257) || cp == 0x259 || cp == 0x25b ||
	    cp == 0x263 || cp == 0x268 || cp == 0x26f || cp == 0x272 ||
	    cp == 0x289 || cp == 0x28b || cp == 0x2bb ||
	    (cp >= 0x300 && cp <= 0x36f) || (cp >= 0x400 && cp <= 0x4ff) ||
	    (cp >= 0x1e00 && cp <= 0x1eff));
}

/* One path character at s: its length, 0 if none; *end if it may end. */
static size_t
textlink_path_char(const u_char *s, size_t len, int *end)
{
	size_t	n;
	u_int	cp;

	if (textlink_alnum(s[0])) {
		*end = 1;
		return (1);
	}
	if (s[0] < 0x80) {
		if (s[0] == '\0' || strchr(TEXTLINK_PATH, s[0]) == NULL)
			return (0);
		*end = strchr(TEXTLINK_PATH_END, s[0]) != NULL;
		return (1);
	}
	cp = textlink_cp(s, len, &n);
	if (cp == 0x2013) {	/* an en dash, but not at the end */
		*end = 0;
		return (n);
	}
	if (!textlink_letter(cp))
		return (0);
	*end = 1;
	return (n);
}

/* Balanced parentheses at s (one level nested); their length, or 0. */
static size_t
textlink_parens(const u_char *s, size_t len)
{
	size_t	i = 1, n;
	int	end, depth = 1, any = 0;

	while (i < len) {
		if (s[i] == ')') {
			if (--depth == 0)
				return (any ? i + 1 : 0);
			i++;
			continue;
		}
		if (s[i] == '(') {
			if (depth == 2)
				return (0);
			depth++;
			i++;
			continue;
		}
		if ((n = textlink_path_char(s + i, len - i, &end)) == 0)
			return (0);
		i += n;
		any = 1;
	}
	return (0);
}

/* The end of a path that starts at s[0] == '/'. */
static size_t
textlink_path(const u_char *s, size_t len)
{
	size_t	i = 1, last = 1, n;
	int	end;

	while (i < len) {
		if (s[i] == '(') {
			if ((n = textlink_parens(s + i, len - i)) == 0)
				break;
			i += n;
			last = i;
			continue;
		}
		if ((n = textlink_path_char(s + i, len - i, &end)) == 0)
			break;
		i += n;
		if (end)
			last = i;
	}
	return (last);
}

/* The end of a query that starts at s[0] == '?', 0 if it has none. */
static size_t
textlink_query(const u_char *s, size_t len)
{
	size_t	i, last = 0;

	for (i = 1; i < len; i++) {
		if (textlink_alnum(s[i]) || (s[i] != '\0' &&
		    strchr(TEXTLINK_QUERY_END, s[i]) != NULL))
			last = i + 1;
		else if (s[i] == '\0' || s[i] >= 0x80 ||
		    strchr(TEXTLINK_QUERY, s[i]) == NULL)
			break;
	}
	return (last);
}

/* Is what follows a link (after some punctuation) an ellipsis? */
static int
textlink_cut(const u_char *s, size_t len)
{
	size_t	i = 0;

	while (i < len && i < 4 && s[i] < 0x80 && s[i] != '\0' &&
	    strchr(".,;:!?'\")]", s[i]) != NULL)
		i++;
	return (len - i >= 3 && s[i] == 0xe2 && s[i + 1] == 0x80 &&
	    s[i + 2] == 0xa6);
}

/*
 * The link that starts at s (after "http://" or "https://", skip bytes);
 * its length, or 0 if there is none.
 */
static size_t
textlink_at(const u_char *s, size_t len, size_t skip)
{
	size_t	i = skip, host, n;
	int	tco;

	/* The host: ASCII labels, at least two. */
	host = i;
	while (i < len && (textlink_alnum(s[i]) || s[i] == '-' ||
	    s[i] == '_' || s[i] == '.'))
		i++;
	while (i > host && (s[i - 1] == '.' || s[i - 1] == '-' ||
	    s[i - 1] == '_'))
		i--;
	if (i == host || s[host] == '.' || memchr(s + host, '.', i - host) ==
	    NULL)
		return (0);
	tco = (i - host == 4 && strncasecmp((const char *)s + host, "t.co",
	    4) == 0);

	if (tco) {
		/* https://t.co/ then letters and digits only. */
		if (i >= len || s[i] != '/')
			return (0);
		for (n = i + 1; n < len && textlink_alnum(s[n]); n++)
			;
		if (n == i + 1)
			return (0);
		i = n;
	} else {
		if (i + 1 < len && s[i] == ':' && s[i + 1] >= '0' &&
		    s[i + 1] <= '9') {
			for (n = i + 1; n < len && s[n] >= '0' && s[n] <= '9';
			    n++)
				;
			i = n;
		}
		if (i < len && s[i] == '/')
			i += textlink_path(s + i, len - i);
	}
	if (i < len && s[i] == '?')
		i += textlink_query(s + i, len - i);
	return (i);
}

/*
 * Find the next link in text from *pos: 1 with its bounds, or 0 when there
 * is none left. *pos moves past what was looked at.
 */
int
textlink_next(const char *text, size_t len, size_t *pos, size_t *start,
    size_t *end)
{
	const u_char	*s = (const u_char *)text;
	size_t		 i, skip, n;
	u_char		 prev;

	for (i = *pos; i < len; i++) {
		if (s[i] != 'h' && s[i] != 'H')
			continue;
		if (len - i > 7 && strncasecmp(text + i, "http://", 7) == 0)
			skip = 7;
		else if (len - i > 8 && strncasecmp(text + i, "https://", 8) ==
		    0)
			skip = 8;
		else
			continue;
		/* Not glued to a word, a mention, a cashtag or a hashtag. */
		prev = i > 0 ? s[i - 1] : ' ';
		if (textlink_alnum(prev) || prev == '@' || prev == '$' ||
		    prev == '#')
			continue;
		if ((n = textlink_at(s + i, len - i, skip)) == 0)
			continue;
		if (textlink_cut(s + i + n, len - i - n)) {
			i += n - 1;
			continue;
		}
		*start = i;
		*end = i + n;
		*pos = i + n;
		return (1);
	}
	*pos = len;
	return (0);
}
