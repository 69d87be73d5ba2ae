/*
 * symtab.c - the scenario's name tables (symtab.h): FNV-1a hashed, open
 * addressing, grown by doubling.
 */
#include "symtab.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static unsigned sym_hash(const char *s)
{
	uint64_t h = FNV_BASIS;

	while (*s)
		h = (h ^ (unsigned char)*s++) * FNV_PRIME;
	return (unsigned)(h ^ h >> 32);
}

int sym_find(const struct symtab *t, const char *s)
{
	if (!t->hcap)
		return -1;
	for (unsigned i = sym_hash(s) & (t->hcap - 1); t->hash[i]; i = (i + 1) & (t->hcap - 1))
		if (!strcmp(t->v[t->hash[i] - 1], s))
			return t->hash[i] - 1;
	return -1;
}

static void sym_hash_put(struct symtab *t, int idx)
{
	unsigned i = sym_hash(t->v[idx]) & (t->hcap - 1);

	while (t->hash[i])
		i = (i + 1) & (t->hcap - 1);
	t->hash[i] = idx + 1;
}

int sym_add(struct symtab *t, const char *s)
{
	size_t n = strlen(s) + 1;

	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		t->v = xrealloc(t->v, (size_t)t->cap * sizeof *t->v);
	}
	t->v[t->n] = memcpy(xcalloc(1, n), s, n);
	if ((unsigned)(t->n + 1) * 2 > t->hcap) {
		free(t->hash);
		t->hcap = t->hcap ? t->hcap * 2 : 32;
		t->hash = xcalloc(t->hcap, sizeof *t->hash);
		for (int i = 0; i < t->n; i++)
			sym_hash_put(t, i);
	}
	sym_hash_put(t, t->n);
	return t->n++;
}

void sym_free(struct symtab *t)
{
	for (int i = 0; i < t->n; i++)
		free(t->v[i]);
	free(t->v);
	free(t->hash);
}
