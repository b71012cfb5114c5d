#!/usr/bin/env bash
# Speed of the engine's portable kernels against llama2.c, single-threaded, same models, same machine.
#
#   tools/llm-tools/bench/compare-llama2c.sh LLAMA2C [ROUNDS]
#
# LLAMA2C: a llama2.c checkout (a directory holding run.c and runq.c), or a directory that already
# holds the binaries `run` and `runq`. The sources are built here with `gcc -O3 -march=native`
# (as llama2.c's README builds them, without OpenMP: one thread) into a temporary directory; the
# checkout is not modified. llama2.c is not part of this repository: fetch it yourself.
#
# Then `llm-bench --compare` (default release build, no target-cpu flags) runs, ROUNDS times
# (default 5), alternately: the demo model (model/release, f32 with `run`, its Q8_0 export with
# `runq`) and a synthetic stories15M-shaped model (f32 and Q8_0), and prints the median tok/s of
# each side and the ratio engine / llama2.c (above 1: the engine is faster).
set -euo pipefail

if [[ $# -lt 1 || $# -gt 2 ]]; then
    echo "usage: $0 LLAMA2C_DIR [ROUNDS]  (a llama2.c checkout with run.c and runq.c, or a directory with run and runq built)" >&2
    exit 2
fi
source_dir=$1
rounds=${2:-5}
if [[ ! -d $source_dir ]]; then
    echo "$0: $source_dir: not a directory" >&2
    exit 2
fi

if [[ -f $source_dir/run.c && -f $source_dir/runq.c ]]; then
    build_dir=$(mktemp -d "${TMPDIR:-/tmp}/llama2c-build.XXXXXX")
    trap 'rm -rf "$build_dir"' EXIT
    for program in run runq; do
        gcc -O3 -march=native -o "$build_dir/$program" "$source_dir/$program.c" -lm
    done
elif [[ -x $source_dir/run && -x $source_dir/runq ]]; then
    build_dir=$source_dir
else
    echo "$0: $source_dir holds neither run.c and runq.c nor the run and runq binaries" >&2
    exit 2
fi

repo=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$repo"
cargo hrun -q --release -p llm-tools --bin llm-bench -- --compare "$build_dir" --rounds "$rounds"
