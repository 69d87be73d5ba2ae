/*
 * sweep.h - `mmsim sweep`: a parameter sweep run on a batch engine (GNU
 * parallel, Slurm...), not inside mmsim: `expand SPEC` prints one command
 * line per combination of the spec's parameters, `merge FILE...` turns
 * the JSON lines the runs wrote into one CSV table (docs/sweep.md).
 */
#ifndef MMSIM_TOOLS_SWEEP_H
#define MMSIM_TOOLS_SWEEP_H

int cmd_sweep(int argc, char **argv);

#endif
