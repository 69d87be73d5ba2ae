/*
 * symtab.h - the scenario's names (mappings, tasks, files): in order of
 * definition, with a hash (open addressing, at most half full, entries
 * index + 1), since scenarios with tens of thousands of mappings look
 * every name up.
 */
#ifndef MMSIM_TOOLS_SYMTAB_H
#define MMSIM_TOOLS_SYMTAB_H

struct symtab {
	char **v;
	int n, cap;
	int *hash;
	unsigned hcap;
};

/* The index of the first definition of s (as a linear search finds it), or -1. */
int sym_find(const struct symtab *t, const char *s);
/* Appends a copy of s; returns its index. */
int sym_add(struct symtab *t, const char *s);
void sym_free(struct symtab *t);

#endif
