/*
 * bench.h - `mmsim bench NAME`: benchmarks that measure their own host
 * baseline in the same run and print `name.metric = value unit` lines.
 */
#ifndef MMSIM_TOOLS_BENCH_H
#define MMSIM_TOOLS_BENCH_H

int cmd_bench(int argc, char **argv);

#endif
