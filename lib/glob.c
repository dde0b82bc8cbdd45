/*
 * Matching names against shell-style patterns, for --trace=GLOB lists.
 * Only '*' and '?' are special; a '*' is matched by remembering where it
 * was and retrying one character further on failure, which is linear in
 * practice and never recurses.
 */
#include <alto/glob.h>
#include <alto/string.h>

bool glob_match(const char *pattern, size_t plen, const char *s)
{
	size_t p = 0, star = (size_t)-1;
	const char *resume = NULL;

	while (*s) {
		if (p < plen && (pattern[p] == '?' || pattern[p] == *s)) {
			p++;
			s++;
		} else if (p < plen && pattern[p] == '*') {
			star = p++;
			resume = s;
		} else if (resume) {
			p = star + 1;
			s = ++resume;
		} else {
			return false;
		}
	}
	while (p < plen && pattern[p] == '*')
		p++;
	return p == plen;
}

bool glob_match_list(const char *list, const char *s)
{
	while (*list) {
		const char *comma = strchr(list, ',');
		size_t len = comma ? (size_t)(comma - list) : strlen(list);
		if (len && glob_match(list, len, s))
			return true;
		list += len + (comma != NULL);
	}
	return false;
}
