/*
 * check.h - `mmsim check DIR...`: scenarios against Linux's outputs.
 */
#ifndef MMSIM_TOOLS_CHECK_H
#define MMSIM_TOOLS_CHECK_H

/* 0 all passed, 1 a failure (or nothing found), 2 usage. */
int cmd_check(int argc, char **argv);

#endif
