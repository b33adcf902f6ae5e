/*
 * libFuzzer: the pass-through JSON checker must accept exactly the lines
 * the parsing path (tweet_parse, jansson) takes as objects.
 *
 * The limits worth testing lie far beyond -max_len (2048 levels of nesting,
 * reals of hundreds of digits), so an input may also describe a line rather
 * than be one. An input starting with a 0x00 byte is
 *
 *	0x00 COUNT PLEN PREFIX RLEN REPEAT MIDDLE
 *
 * (COUNT, PLEN and RLEN one byte each) and stands for the line PREFIX,
 * REPEAT n times, MIDDLE, then the closing brackets of every bracket left
 * open by PREFIX and the repeats (outside strings), innermost first. COUNT
 * maps to n so that small counts, multiples of 64 up to 4032 and every count
 * from 1984 to 2111 (around jansson's depth limit) are all one byte away.
 * Any other input is the line itself; both kinds are checked. A custom
 * mutator mostly steps COUNT by a few at a time, since off-by-one
 * limits are what this target hunts; fuzz/corpus/validate/near-* are
 * descriptions a few steps short of them.
 */

#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"
#include "json/json.h"
#include "tweet/tweet.h"

#define FUZZ_MAX_LINE (1024 * 1024)

/* The repeat count a COUNT byte stands for. */
static size_t
fuzz_count(uint8_t c)
{
	if (c < 0x40)
		return (c);
	if (c < 0x80)
		return ((size_t)(c - 0x40) * 64);
	return (1984 + (size_t)(c - 0x80));
}

/* Follow the brackets of s: push openers, pop closers, skip strings. */
static void
fuzz_brackets(const char *s, size_t n, char *stack, size_t *depth,
    int *in_string)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (*in_string) {
			if (s[i] == '\\')
				i++;
			else if (s[i] == '"')
				*in_string = 0;
			continue;
		}
		switch (s[i]) {
		case '"':
			*in_string = 1;
			break;
		case '{':
		case '[':
			stack[(*depth)++] = s[i] == '{' ? '}' : ']';
			break;
		case '}':
		case ']':
			if (*depth > 0)
				(*depth)--;
			break;
		}
	}
}

/* Expand a described line; NULL if the input does not describe one. */
static char *
fuzz_expand(const uint8_t *data, size_t size, size_t *lenp)
{
	const char	*prefix, *repeat, *middle;
	size_t		 n, plen, rlen, mlen, len, open, depth = 0, k;
	char		*line, *stack;
	int		 in_string = 0;

	if (size < 3 || data[0] != 0x00)
		return (NULL);
	n = fuzz_count(data[1]);
	plen = data[2];
	if (3 + plen + 1 > size)
		return (NULL);
	prefix = (const char *)data + 3;
	rlen = data[3 + plen];
	if (3 + plen + 1 + rlen > size)
		return (NULL);
	repeat = prefix + plen + 1;
	middle = repeat + rlen;
	mlen = size - (3 + plen + 1 + rlen);
	open = plen + n * rlen;
	if (open + mlen > FUZZ_MAX_LINE)
		return (NULL);

	line = xmalloc(2 * open + mlen + 1);
	stack = xmalloc(open + 1);
	memcpy(line, prefix, plen);
	len = plen;
	for (k = 0; k < n; k++) {
		memcpy(line + len, repeat, rlen);
		len += rlen;
	}
	fuzz_brackets(line, len, stack, &depth, &in_string);
	memcpy(line + len, middle, mlen);
	len += mlen;
	while (depth > 0)
		line[len++] = stack[--depth];
	free(stack);
	*lenp = len;
	return (line);
}

/* The checker and the parser agree on one line. */
static void
fuzz_agree(const char *line, size_t len)
{
	char	 why[256];
	json_t	*j;
	int	 v, ok;

	v = validate_tweet(line, len, NULL, why, sizeof why);
	j = tweet_parse(line, len, why, sizeof why);
	ok = j != NULL;
	if ((v != -1) != ok)
		abort();
	if (ok && (v & VALIDATE_EMPTY) != (json_object_size(j) == 0 ?
	    VALIDATE_EMPTY : 0))
		abort();
	json_decref(j);
}

size_t	LLVMFuzzerMutate(uint8_t *, size_t, size_t);
size_t	LLVMFuzzerCustomMutator(uint8_t *, size_t, size_t, unsigned int);

/* Step a description's COUNT, or mutate as libFuzzer does. */
size_t
LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max,
    unsigned int seed)
{
	if (size >= 3 && data[0] == 0x00 && seed % 4 != 0) {
		data[1] += (int)((seed >> 2) % 9) - 4;
		return (size);
	}
	return (LLVMFuzzerMutate(data, size, max));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*line;
	size_t	 len;

	fuzz_agree((const char *)data, size);
	if ((line = fuzz_expand(data, size, &len)) != NULL) {
		fuzz_agree(line, len);
		free(line);
	}
	return (0);
}
