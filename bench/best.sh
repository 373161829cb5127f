# Sourced by the bench scripts; needs $runs and $tmp set.
# Best wall time and best CPU time (user + sys) of $runs runs of a command, in seconds:
# "WALL CPU". The machine may be shared: CPU time is the steadier of the two.
best() {
    bw=""
    bc=""
    i=0
    while [ "$i" -lt "$runs" ]; do
        /usr/bin/time -f "%e %U %S" -o "$tmp/time" "$@" >"$tmp/out" 2>"$tmp/err" || {
            cat "$tmp/err" >&2
            exit 2
        }
        w=$(cut -d' ' -f1 "$tmp/time")
        c=$(awk '{print $2 + $3}' "$tmp/time")
        if [ -z "$bw" ] || [ "$(echo "$w < $bw" | bc -l)" = 1 ]; then bw=$w; fi
        if [ -z "$bc" ] || [ "$(echo "$c < $bc" | bc -l)" = 1 ]; then bc=$c; fi
        i=$((i + 1))
    done
    echo "$bw $bc"
}
