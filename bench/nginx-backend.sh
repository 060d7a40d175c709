#!/usr/bin/env bash
# An nginx "hello" backend for Porter to host out-of-process: listens on 127.0.0.1:$ASPNETCORE_PORT as the module
# asks, in the foreground. It execs nginx (single process, no master), so the pid Porter started is nginx itself and
# Porter's stop and crash handling apply to it directly. Its files go under $PORTER_BENCH_DIR (the harness's work
# directory, removed at the end of a run; Porter passes its environment on to its apps), else /tmp.
set -euo pipefail
dir="${PORTER_BENCH_DIR:-/tmp}/porter-bench-nginx-${ASPNETCORE_PORT:?ASPNETCORE_PORT is not set}"
mkdir -p "$dir"
cat > "$dir/nginx.conf" <<CONF
daemon off;
master_process off;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $dir;
  proxy_temp_path $dir;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:${ASPNETCORE_PORT};
    location / { default_type text/plain; return 200 "hello"; }
  }
}
CONF
exec /usr/sbin/nginx -c "$dir/nginx.conf"
