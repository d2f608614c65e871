#!/bin/sh
# `bnlab run --jobs N` prints the same bytes as --jobs 1 (one Session), for a sweep and for a
# chapter that is one cell. Usage: jobs.sh PATH/TO/bnlab
set -eu
bnlab="$1"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
check() {
  name="$1"; spec="$2"
  printf '%s' "$spec" > "$dir/$name.json"
  "$bnlab" run "$dir/$name.json" --quiet --jobs 1 > "$dir/$name.1"
  for n in 2 3; do
    "$bnlab" run "$dir/$name.json" --quiet --jobs "$n" > "$dir/$name.$n"
    if ! cmp -s "$dir/$name.1" "$dir/$name.$n"; then
      echo "FAIL: $name: --jobs $n differs from --jobs 1"; exit 1
    fi
  done
  echo "ok: $name ($(wc -c < "$dir/$name.1") bytes, --jobs 1 = 2 = 3)"
}
check sweep '{"chapter":"regularization","seeds":2,"epochs":12,"configs":["none","bn","bn_dropout"],"batch_sizes":[64,160],"eval_every":4,"grid":6}'
check ghost '{"chapter":"regularization","seeds":2,"epochs":6,"mode":"ghost","batch_sizes":[64,256],"eval_every":0}'
check one-cell '{"chapter":"noise","batch_sizes":[32,64],"batches":40}'
# A bad spec is refused the same way with --jobs.
if "$bnlab" run "$dir/sweep.json" --jobs 2 --seeds 1000 > /dev/null 2> "$dir/err"; then
  echo "FAIL: --seeds 1000 accepted"; exit 1
fi
grep -q "spec.seeds" "$dir/err" || { echo "FAIL: error does not name spec.seeds: $(cat "$dir/err")"; exit 1; }
echo "ok: bad spec refused with --jobs 2: $(cat "$dir/err")"
