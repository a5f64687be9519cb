#!/bin/sh
# Cost per new dependency from 10^3 to 10^6 classes, chain and random DAG,
# ascending and descending insertion (issue 11 item 4).
#   tools/bench/graph_growth.sh [build dir]
build=${1:-build}
for n in 1000 10000 100000 1000000; do
  for shape in chain dag; do
    for order in asc desc; do
      "$build/tools/bench/graph_growth" "$n" "$shape" "$order" || exit 1
    done
  done
done
