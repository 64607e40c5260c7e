load helpers

# Photon-HDF5 in (qtag-read) and out (qcat -o FILE.h5).
#
# Specification (docs/formats.md 2.5, photon-hdf5.org phdata.rst): the times are
# /photon_data/timestamps x /photon_data/timestamps_specs/timestamps_unit
# seconds, the channels /photon_data/detectors, the micro-times
# /photon_data/nanotimes in units of nanotimes_specs/tcspc_unit seconds.
#
# References independent of the C code: the realdata fixture's README sums,
# Becker & Hickl's own export of the same photons (test_noise.asc), files
# written here by h5py with values chosen by hand, and h5py reading what qcat
# writes. Round trips compare with qsim --text and with the PTU reader's text,
# neither of which passes through HDF5.

# ---- helpers ----

setup_file() {
    H5PY=$(find_python h5py numpy) || H5PY=
    export H5PY
    local d=$BATS_FILE_TMPDIR
    qsim poisson -r 1M,500k,250k -n 2e5 -s 7 -o "$d/sim.qev"
    qsim poisson -r 1M,500k,250k -n 2e5 -s 7 --text >"$d/sim.txt"
}

h5py_run() {
    [ -n "$H5PY" ] || fail "python3 with h5py and numpy is missing: make deps-test installs them"
    "$H5PY" "$@"
}

# Asserts the last run (of qtag-read -o out.qev) failed with exit 1, left no
# output, and said exactly one line on stderr that starts with the tool's
# name, without an HDF5 error-stack dump.
assert_one_line_error() {
    assert_failure 1
    assert_output ''
    [ ! -e out.qev ] || fail "out.qev was left behind"
    assert_regex "$stderr" '^qtag-read: '
    [ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ] || fail "more than one line: $stderr"
    refute_regex "$stderr" 'HDF5-DIAG|#0[0-9]*:'
}

FIXTURE=test_noise_photon-hdf5.h5

# ---- conformance on the real file ----

@test "realdata: the phconvert fixture gives its README counts, sums and units" {
    need_realdata
    run --separate-stderr qtag-read -o noise.qev "$REALDATA/phconvert/$FIXTURE"
    assert_success
    assert_equal "$stderr" ''
    qcat noise.qev >noise.txt
    # README: 6114 timestamps, unit 9.5e-9 s, sum 5107380462505, nanotimes sum 12990581
    run python3 -c '
import sys
rows = [l.split("\t") for l in open("noise.txt").read().splitlines()]
assert rows[0] == ["time_ps", "channel", "kind", "micro"], rows[0]
t = [int(r[0]) for r in rows[1:]]
assert all(x % 9500 == 0 for x in t)
print(len(t), sum(x // 9500 for x in t), sum(int(r[3]) for r in rows[1:]),
      set(r[1] for r in rows[1:]), set(r[2] for r in rows[1:]))'
    assert_success
    assert_output "6114 5107380462505 12990581 {'0'} {'photon'}"
    assert_equal "$(meta_value noise.qev resolution_ps)" 9500
    assert_equal "$(meta_value noise.qev microtime_unit_ps)" 2.44304560546875
    assert_equal "$(meta_value noise.qev tcspc_num_bins)" 4096
    assert_equal "$(meta_value noise.qev fields)" micro
    assert_equal "$(meta_value noise.qev source_format)" phdf5
    assert_equal "$(meta_value noise.qev phdf5.format_version)" 0.5
    assert_equal "$(meta_value noise.qev phdf5.identity.software)" phconvert
    assert_equal "$(meta_value noise.qev phdf5.setup.num_spots)" 1
    assert_equal "$(meta_value noise.qev phdf5.photon_data.timestamps_specs.timestamps_unit)" 9.5e-09
    assert_regex "$(meta_value noise.qev time_rule)" 'whole number of ps'
    run qcat -H noise.qev
    assert_line 'source_records=6114'
    assert_line 'source_records_promised=6114'
}

@test "realdata: row for row, the times are Becker & Hickl's macrotimes x 9500 ps" {
    need_realdata
    qtag-read "$REALDATA/phconvert/$FIXTURE" | qcat >noise.txt
    # test_noise.asc is B&H's own export of the same photons: "macrotime microtime"
    awk 'NR > 1 { print $1 / 9500, $4 }' OFS=' ' noise.txt >ours.txt
    awk '{ print $1, $2 }' "$REALDATA/phconvert/test_noise.asc" >theirs.txt
    run diff ours.txt theirs.txt
    assert_success
    [ "$(wc -l <ours.txt)" -eq 6114 ]
}

@test "realdata: h5py reads the same rows from the fixture" {
    need_realdata
    need_python h5py numpy
    qtag-read "$REALDATA/phconvert/$FIXTURE" | qcat >noise.txt
    run h5py_run -c '
import h5py, numpy as np
f = h5py.File("'"$REALDATA/phconvert/$FIXTURE"'", "r")
ts = f["photon_data/timestamps"][:].astype(object)
unit_ps = round(float(f["photon_data/timestamps_specs/timestamps_unit"][()]) * 1e12)
rows = [l.split("\t") for l in open("noise.txt").read().splitlines()[1:]]
assert [int(r[0]) for r in rows] == [int(x) * unit_ps for x in ts]
assert [int(r[1]) for r in rows] == [int(x) for x in f["photon_data/detectors"][:]]
assert [int(r[3]) for r in rows] == [int(x) for x in f["photon_data/nanotimes"][:]]
print("ok", unit_ps, len(rows))'
    assert_success
    assert_output 'ok 9500 6114'
}

@test "realdata: a truncated copy of the fixture is one clear error" {
    need_realdata
    local size n
    size=$(stat -c %s "$REALDATA/phconvert/$FIXTURE")
    for n in 0 7 8 100 2048 $((size / 2)) $((size - 1)); do
        head -c "$n" "$REALDATA/phconvert/$FIXTURE" >cut.h5
        run --separate-stderr qtag-read -o out.qev -F phdf5 cut.h5
        assert_one_line_error
    done
    head -c $((size / 2)) "$REALDATA/phconvert/$FIXTURE" >cut.h5
    run --separate-stderr qtag-read -o out.qev cut.h5
    assert_one_line_error
    assert_regex "$stderr" 'truncated file'
}

# ---- files written by h5py, values chosen by hand ----

@test "h5py file: 12.5 ns unit (12500 ps exactly), uint8 detectors, no nanotimes" {
    need_python h5py numpy
    h5py_run -c '
import h5py, numpy as np
f = h5py.File("a.h5", "w")
f.attrs["format_name"] = np.bytes_(b"Photon-HDF5")
f.attrs["format_version"] = np.bytes_(b"0.5")
pd = f.create_group("photon_data")
pd.create_dataset("timestamps", data=np.array([-2, 0, 1, 40000000000, 40000000001], "int64"))
pd.create_dataset("detectors", data=np.array([0, 3, 255, 7, 3], "uint8"))
pd.create_dataset("timestamps_specs/timestamps_unit", data=12.5e-9)
f.create_dataset("description", data=np.bytes_(b"two\nlines"))
f.create_dataset("acquisition_duration", data=0.5)
f.create_dataset("setup/num_pixels", data=np.int64(4))
f.create_dataset("setup/excitation_cw", data=np.array([1], "uint8"))
f.create_dataset("identity/author", data="x" * 3000)
'
    run --separate-stderr qtag-read -o a.qev a.h5
    assert_success
    assert_equal "$stderr" ''
    # t = timestamp x 12500 ps, by hand
    run qcat a.qev
    assert_output "$(printf '%s\n' 'time_ps	channel	kind' \
        '-25000	0	photon' '0	3	photon' '12500	255	photon' \
        '500000000000000	7	photon' '500000000012500	3	photon')"
    assert_equal "$(meta_value a.qev resolution_ps)" 12500
    assert_regex "$(meta_value a.qev time_rule)" 'whole number of ps'
    assert_equal "$(meta_value a.qev phdf5.format_name)" Photon-HDF5
    assert_equal "$(meta_value a.qev phdf5.description)" 'two lines'
    assert_equal "$(meta_value a.qev phdf5.acquisition_duration)" 0.5
    assert_equal "$(meta_value a.qev phdf5.setup.num_pixels)" 4
    # arrays are not metadata; long strings are cut to 1 KiB
    assert_equal "$(meta_value a.qev phdf5.setup.excitation_cw)" ''
    assert_equal "$(meta_value a.qev phdf5.identity.author | wc -c)" 1024
    assert_equal "$(meta_value a.qev fields)" ''
}

@test "h5py file: a 1/3 ns unit rounds to the nearest ps and says so; nanotimes in 8 ps" {
    need_python h5py numpy
    h5py_run -c '
import h5py, numpy as np
f = h5py.File("b.hdf5", "w")
pd = f.create_group("photon_data")
pd.create_dataset("timestamps", data=np.array([1, 2, 3, 7, 3000000000000], "int64"))
pd.create_dataset("nanotimes", data=np.array([0, 17, 4095, 65535, 1], "uint16"))
pd.create_dataset("timestamps_specs/timestamps_unit", data=1e-9 / 3)
pd.create_dataset("nanotimes_specs/tcspc_unit", data=8e-12)
pd.create_dataset("nanotimes_specs/tcspc_num_bins", data=4096)
'
    run --separate-stderr qtag-read -o b.qev b.hdf5
    assert_success
    # 1/3 ns: 333.33 -> 333, 666.67 -> 667, 1000, 2333.33 -> 2333, 1e15;
    # no detectors array: one detector, channel 0
    run qcat b.qev
    assert_output "$(printf '%s\n' 'time_ps	channel	kind	micro' \
        '333	0	photon	0' '667	0	photon	17' '1000	0	photon	4095' \
        '2333	0	photon	65535' '1000000000000000	0	photon	1')"
    assert_regex "$(meta_value b.qev time_rule)" 'round.*not a whole number of ps'
    assert_equal "$(meta_value b.qev microtime_unit_ps)" 8
    assert_equal "$(meta_value b.qev tcspc_num_bins)" 4096
    assert_equal "$(meta_value b.qev channel_rule)" 'one detector, no detectors array: channel 0'
}

@test "h5py file: the format is found by the HDF5 signature whatever the name" {
    need_python h5py numpy
    h5py_run -c '
import h5py, numpy as np
f = h5py.File("c.dat", "w")
f.create_dataset("photon_data/timestamps", data=np.array([5], "uint32"))
f.create_dataset("photon_data/detectors", data=np.array([65535], "int32"))
f.create_dataset("photon_data/timestamps_specs/timestamps_unit", data=np.float32(1e-6))
'
    run --separate-stderr qtag-read -o out.qev c.dat
    assert_success
    # float32 1e-6 is 9.99999997e-07 s: 999999.997 ps, not whole, rounds per event
    run bash -c 'qtag-read c.dat | qcat'
    assert_output "$(printf '%s\n' 'time_ps	channel	kind' '5000000	65535	photon')"
}

@test "h5py file: values that do not fit are one clear error" {
    need_python h5py numpy
    h5py_run -c '
import h5py, numpy as np
def make(name, ts, det=None, unit=1e-9, nano=None):
    f = h5py.File(name, "w")
    f.create_dataset("photon_data/timestamps", data=np.array(ts))
    f.create_dataset("photon_data/timestamps_specs/timestamps_unit", data=unit)
    if det is not None:
        f.create_dataset("photon_data/detectors", data=np.array(det))
    if nano is not None:
        f.create_dataset("photon_data/nanotimes", data=np.array(nano))
make("neg_det.h5", np.array([1, 2], "int64"), np.array([0, -1], "int16"))
make("big_det.h5", np.array([1, 2], "int64"), np.array([0, 65536], "int32"))
make("overflow.h5", np.array([1, 2**62], "int64"))
make("u64.h5", np.array([1, 2**63], "uint64"), unit=1e-12)
make("short_det.h5", np.array([1, 2, 3], "int64"), np.array([0, 1], "uint8"))
make("float_ts.h5", np.array([1.5, 2.0], "float64"))
make("neg_nano.h5", np.array([1, 2], "int64"), nano=np.array([1, -3], "int8"))
make("zero_unit.h5", np.array([1], "int64"), unit=0.0)
f = h5py.File("no_unit.h5", "w")
f.create_dataset("photon_data/timestamps", data=np.array([1], "int64"))
f = h5py.File("no_ts.h5", "w")
f.create_dataset("photon_data/timestamps_specs/timestamps_unit", data=1e-9)
f = h5py.File("plain.h5", "w")
f.create_dataset("data", data=np.arange(10))
f = h5py.File("bigchunk.h5", "w")
f.create_dataset("photon_data/timestamps", data=np.arange(10), chunks=(20000000,), maxshape=(None,))
f.create_dataset("photon_data/timestamps_specs/timestamps_unit", data=1e-12)
f = h5py.File("spots.h5", "w")
for s in (0, 1):
    f.create_dataset("photon_data%d/timestamps" % s, data=np.array([1], "int64"))
    f.create_dataset("photon_data%d/timestamps_specs/timestamps_unit" % s, data=1e-9)
'
    local f
    for f in neg_det big_det overflow u64 short_det float_ts neg_nano zero_unit no_unit no_ts \
        plain spots bigchunk; do
        run --separate-stderr qtag-read -o out.qev "$f.h5"
        assert_one_line_error
    done
    run --separate-stderr qtag-read -o out.qev neg_det.h5
    assert_regex "$stderr" 'detectors\[1\] = -1 is out of range'
    run --separate-stderr qtag-read -o out.qev big_det.h5
    assert_regex "$stderr" 'detectors\[1\] = 65536 is out of range'
    run --separate-stderr qtag-read -o out.qev overflow.h5
    assert_regex "$stderr" 'timestamps\[1\] = 4611686018427387904 does not fit'
    run --separate-stderr qtag-read -o out.qev u64.h5
    assert_regex "$stderr" 'timestamps\[1\] = 9223372036854775808 does not fit'
    run --separate-stderr qtag-read -o out.qev short_det.h5
    assert_regex "$stderr" 'detectors has 2 rows, but timestamps has 3'
    run --separate-stderr qtag-read -o out.qev float_ts.h5
    assert_regex "$stderr" 'timestamps is not an integer array'
    run --separate-stderr qtag-read -o out.qev no_unit.h5
    assert_regex "$stderr" 'timestamps_unit'
    run --separate-stderr qtag-read -o out.qev plain.h5
    assert_regex "$stderr" 'not a Photon-HDF5 file'
    run --separate-stderr qtag-read -o out.qev spots.h5
    assert_regex "$stderr" 'multispot'
    # a chunk is decompressed whole: 160 MB chunks are refused before any read
    run --separate-stderr qtag-read -o out.qev bigchunk.h5
    assert_regex "$stderr" 'chunks of 160000000 bytes'
}

@test "garbage behind the HDF5 signature, and non-HDF5 forced with --format, fail cleanly" {
    python3 -c '
import random
random.seed(3)
open("sig.h5", "wb").write(b"\x89HDF\r\n\x1a\n" + bytes(random.randrange(256) for _ in range(4000)))
open("text.h5", "wb").write(b"not hdf5 at all\n" * 10)'
    run --separate-stderr qtag-read -o out.qev sig.h5
    assert_one_line_error
    run --separate-stderr qtag-read -o out.qev -F phdf5 text.h5
    assert_one_line_error
    assert_regex "$stderr" 'signature'
    run --separate-stderr qtag-read -o out.qev -F phdf5 - <sig.h5
    assert_one_line_error
    assert_regex "$stderr" 'standard input'
}

@test "random byte flips in a written file never crash or hang" {
    qcat -o x.h5 "$BATS_FILE_TMPDIR/sim.qev"
    python3 -c '
import random
data = open("x.h5", "rb").read()
for k in range(40):
    random.seed(k)
    b = bytearray(data)
    for _ in range(8):
        b[random.randrange(len(b))] = random.randrange(256)
    open("flip%d.h5" % k, "wb").write(b)'
    local k rc
    for k in $(seq 0 39); do
        run --separate-stderr timeout 20 qtag-read -o flip.qev "flip$k.h5"
        # either read whole, or one clean error; never a signal or a timeout
        [ "$status" -eq 0 ] || [ "$status" -eq 1 ] || fail "flip$k.h5: exit $status: $stderr"
        if [ "$status" -eq 1 ]; then
            refute_regex "$stderr" 'HDF5-DIAG'
            [ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ] || fail "flip$k.h5: $stderr"
        fi
    done
}

@test "/user/qpipe columns that are incomplete or contradict the fields are refused" {
    need_python h5py numpy
    h5py_run -c '
import h5py, numpy as np
def make(name, flags, meta=None, with_aux=True):
    f = h5py.File(name, "w")
    f.create_dataset("photon_data/timestamps", data=np.array([1, 2], "int64"))
    f.create_dataset("photon_data/timestamps_specs/timestamps_unit", data=1e-12)
    f.create_dataset("user/qpipe/kind", data=np.array([0, 0], "uint8"))
    f.create_dataset("user/qpipe/flags", data=np.array(flags, "uint8"))
    if with_aux:
        f.create_dataset("user/qpipe/aux", data=np.array([5, 6], "uint32"))
    if meta is not None:
        f.create_dataset("user/qpipe/metadata", data=np.bytes_(meta))
make("undeclared.h5", [0, 2])
make("both.h5", [0, 6], b"fields=micro,value\n")
make("partial.h5", [0, 0], with_aux=False)
make("good.h5", [0, 2], b"fields=micro\nmicrotime_unit_ps=4\n@maker\t1\tnow\tcmd\n")
'
    run --separate-stderr qtag-read -o out.qev undeclared.h5
    assert_one_line_error
    assert_regex "$stderr" 'flags\[1\] = 2 is not valid'
    run --separate-stderr qtag-read -o out.qev both.h5
    assert_one_line_error
    run --separate-stderr qtag-read -o out.qev partial.h5
    assert_one_line_error
    assert_regex "$stderr" 'incomplete'
    run --separate-stderr qtag-read -o good.qev good.h5
    assert_success
    run qcat good.qev
    assert_output "$(printf '%s\n' 'time_ps	channel	kind	micro' '1	0	photon	-' '2	0	photon	6')"
    assert_equal "$(meta_value good.qev microtime_unit_ps)" 4
    run qcat -H good.qev
    assert_line --index 1 'source_format=phdf5'
    assert_line "@maker	1	now	cmd"
}

# ---- writing, and round trips ----

@test "round trip: qsim -> qcat -o x.h5 -> qtag-read gives qsim's own text" {
    run --separate-stderr qcat -o x.h5 "$BATS_FILE_TMPDIR/sim.qev"
    assert_success
    assert_equal "$stderr" ''
    assert_output ''
    [ -s x.h5 ]
    qtag-read x.h5 | qcat >back.txt
    run cmp back.txt "$BATS_FILE_TMPDIR/sim.txt"
    assert_success
    # the stream's own metadata comes back from /user/qpipe/metadata
    assert_equal "$(qtag-read x.h5 | qcat -H | sed -n 's/^source=//p')" 'qsim poisson'
    assert_equal "$(qtag-read x.h5 | qcat -H | sed -n 's/^seed=//p')" 7
    # -O phdf5 writes the same under any name
    qcat -O phdf5 -o y.out "$BATS_FILE_TMPDIR/sim.qev"
    qtag-read y.out | qcat | cmp - "$BATS_FILE_TMPDIR/sim.txt"
}

@test "round trip with micro-times: HydraHarp T3 PTU -> h5 -> stream" {
    need_realdata
    qtag-read "$REALDATA/picoquant-sample-data/hydraharp/v20_t3.ptu" -o t3.qev
    qcat t3.qev >t3.txt
    run --separate-stderr qcat -o t3.h5 t3.qev
    assert_success
    assert_equal "$stderr" ''
    qtag-read t3.h5 | qcat >back.txt
    run cmp back.txt t3.txt
    assert_success
    head -n 1 back.txt | grep -qx 'time_ps	channel	kind	micro	value'
    [ "$(wc -l <back.txt)" -eq 77884 ]
}

@test "round trip: syncs, markers, pixels, values and groups survive h5 -> stream -> h5" {
    need_python h5py numpy
    # kind 0 photon, 1 sync, 2 marker; flags 1 pixel (aux = x | y << 16),
    # 4 value, 8 group start
    h5py_run -c '
import h5py, numpy as np
f = h5py.File("all.h5", "w")
f.create_dataset("photon_data/timestamps", data=np.array([10, 20, 30, 40], "int64"))
f.create_dataset("photon_data/detectors", data=np.array([1, 0, 0, 2], "uint16"))
f.create_dataset("photon_data/timestamps_specs/timestamps_unit", data=1e-12)
f.create_dataset("user/qpipe/kind", data=np.array([0, 1, 2, 0], "uint8"))
f.create_dataset("user/qpipe/flags", data=np.array([9, 0, 4, 8], "uint8"))
f.create_dataset("user/qpipe/aux", data=np.array([3 | 4 << 16, 0, 5, 0], "uint32"))
f.create_dataset("user/qpipe/metadata", data=np.bytes_(b"fields=pixel,value,group\n"))
'
    local want
    want=$(printf '%s\n' 'time_ps	channel	kind	x	y	value	group' \
        '10	1	photon	3	4	-	1' '20	0	sync	-	-	-	1' \
        '30	0	marker	-	-	5	1' '40	2	photon	-	-	-	2')
    run --separate-stderr bash -c 'qtag-read all.h5 | qcat'
    assert_success
    assert_output "$want"
    qtag-read all.h5 | qcat -o again.h5
    run --separate-stderr bash -c 'qtag-read again.h5 | qcat'
    assert_success
    assert_output "$want"
    run h5py_run -c '
import h5py
f = h5py.File("again.h5", "r")
print(f["user/qpipe/kind"][:].tolist(), f["user/qpipe/flags"][:].tolist(),
      f["user/qpipe/aux"][:].tolist(), f["photon_data/detectors"][:].tolist())'
    assert_output '[0, 1, 2, 0] [9, 0, 4, 8] [262147, 0, 5, 0] [1, 0, 0, 2]'
}

@test "h5py reads qcat's Photon-HDF5: layout, units, descriptions and values" {
    need_realdata
    need_python h5py numpy
    qtag-read "$REALDATA/picoquant-sample-data/hydraharp/v20_t3.ptu" -o t3.qev
    qcat t3.qev >t3.txt
    SOURCE_DATE_EPOCH=1700000000 qcat -o t3.h5 t3.qev
    local unit sync
    unit=$(meta_value t3.qev microtime_unit_ps)
    sync=$(meta_value t3.qev sync_period_ps)
    run h5py_run -c '
import h5py, numpy as np, sys
unit_ps, sync_ps = float(sys.argv[1]), float(sys.argv[2])
f = h5py.File("t3.h5", "r")
assert f.attrs["format_name"] == b"Photon-HDF5" and f.attrs["format_version"] == b"0.5"
pd = f["photon_data"]
ts, det, nt = pd["timestamps"], pd["detectors"], pd["nanotimes"]
assert (ts.dtype, det.dtype, nt.dtype) == (np.int64, np.uint16, np.uint32)
for d in (ts, det, nt, f["user/qpipe/kind"], f["user/qpipe/flags"], f["user/qpipe/aux"]):
    assert d.chunks == (65536,) and d.compression == "gzip" and d.compression_opts == 6, d.name
    assert d.maxshape == (None,) and d.shape == ts.shape, d.name
assert pd["timestamps_specs/timestamps_unit"][()] == 1e-12
assert pd["nanotimes_specs/tcspc_unit"][()] == unit_ps * 1e-12
s = f["setup"]
assert s["lifetime"][()] == 1 and s["num_spots"][()] == 1 and s["num_pixels"][()] == 2
assert list(s["excitation_cw"][:]) == [0] and list(s["excitation_alternated"][:]) == [0]
assert abs(s["laser_repetition_rates"][0] - 1e12 / sync_ps) < 1e-6
assert pd["measurement_specs/measurement_type"][()] == b"generic"
assert f["identity/software"][()] == b"qpipe"
assert f["identity/creation_time"][()] == b"2023-11-14 22:13:20"
assert f["provenance/filename"][()] == b"v20_t3.ptu"
assert f["description"][()].startswith(b"77883 events")
# the TITLEs of the specification (phconvert checks them)
assert ts.attrs["TITLE"] == b"Array of photon timestamps. Units specified in timestamps_units (defined in timestamps_specs/)."
assert s["num_pixels"].attrs["TITLE"] == b"Total number of detector pixels."
missing = []
f.visititems(lambda n, o: missing.append(n) if "TITLE" not in o.attrs else None)
assert missing == [], missing
# every row equals the text: photons carry their micro-time in nanotimes
rows = [l.split("\t") for l in open("t3.txt").read().splitlines()[1:]]
assert [int(r[0]) for r in rows] == ts[:].tolist()
assert [int(r[1]) for r in rows] == det[:].tolist()
kinds = {"photon": 0, "sync": 1, "marker": 2}
assert [kinds[r[2]] for r in rows] == f["user/qpipe/kind"][:].tolist()
assert [int(r[3]) if r[3] != "-" else 0 for r in rows] == nt[:].tolist()
print(len(rows), sum(r[2] == "marker" for r in rows))
' "$unit" "$sync"
    assert_success
    assert_output --regexp '^77883 [0-9]+$'
}

@test "h5py reads a photon-only file: no nanotimes, continuous excitation, its channels" {
    need_python h5py numpy
    qcat -o x.h5 "$BATS_FILE_TMPDIR/sim.qev"
    run h5py_run -c '
import h5py, numpy as np
f = h5py.File("x.h5", "r")
pd = f["photon_data"]
assert "nanotimes" not in pd and "nanotimes_specs" not in pd
s = f["setup"]
assert s["lifetime"][()] == 0 and list(s["excitation_cw"][:]) == [1]
assert "laser_repetition_rates" not in s
rows = [l.split("\t") for l in open("'"$BATS_FILE_TMPDIR"'/sim.txt").read().splitlines()[1:]]
t = [int(r[0]) for r in rows]
assert pd["timestamps"][:].tolist() == t
assert pd["detectors"][:].tolist() == [int(r[1]) for r in rows]
assert s["num_pixels"][()] == 3
assert pd["measurement_specs/detectors_specs/spectral_ch1"][:].tolist() == [1, 2, 3]
assert abs(f["acquisition_duration"][()] - (max(t) - min(t)) * 1e-12) < 1e-15
assert f["provenance/software"][()] == b"qsim"
print(len(t))'
    assert_success
    assert_output 200000
}

@test "an empty stream writes a valid, empty file that reads back empty" {
    need_python h5py numpy
    qcat --to 0ps -o e.h5 "$BATS_FILE_TMPDIR/sim.qev"
    run h5py_run -c '
import h5py
f = h5py.File("e.h5", "r")
print(f["photon_data/timestamps"].shape, f["acquisition_duration"][()], f["setup/num_pixels"][()])'
    assert_success
    assert_output '(0,) 0.0 1'
    run --separate-stderr bash -c 'qtag-read e.h5 | qcat -c'
    assert_success
    assert_output 0
}

@test "a write error (file size limit) is one line, exit 1, and leaves no file" {
    run --separate-stderr bash -c "trap '' XFSZ; ulimit -f 300; qcat -o full.h5 '$BATS_FILE_TMPDIR/sim.qev'"
    assert_failure 1
    assert_output ''
    assert_regex "$stderr" '^qcat: full.h5: .*File too large$'
    [ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
    run ls
    refute_output --partial full.h5
}
