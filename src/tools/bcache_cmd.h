/*
 * bcache_cmd.h - `mmsim bcache format|show|dump-journal|fsck IMAGE`.
 */
#ifndef MMSIM_TOOLS_BCACHE_CMD_H
#define MMSIM_TOOLS_BCACHE_CMD_H

int cmd_bcache(int argc, char **argv);

#endif
