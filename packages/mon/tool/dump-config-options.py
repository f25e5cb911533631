#!/usr/bin/python3
# Dumps the option schema of a real Ceph mon (`config ls`, then `config help <name>` for each) as
# JSON lines, one option per line, in `config help -f json` form: data/config-options.jsonl.
# `config ls` leaves out the per-subsystem debug_<subsys> options that `config set` accepts; their
# names come from the installed binaries (`ceph-conf -D`) and are appended after the listed ones.
# Usage: /usr/bin/python3 tool/dump-config-options.py <ceph.conf> <keyring> > data/config-options.jsonl
import json, subprocess, sys, rados
c = rados.Rados(conffile=sys.argv[1], conf={'keyring': sys.argv[2]})
c.connect()
r, o, s = c.mon_command(json.dumps({'prefix': 'config ls', 'format': 'json'}), b'')
names = json.loads(o)
conf = subprocess.run(['ceph-conf', '-c', '/dev/null', '-D'], capture_output=True, text=True).stdout
for line in conf.splitlines():
    n = line.split(' = ')[0]
    if n.startswith('debug_') and n not in names:
        names.append(n)
for n in names:
    r, o, s = c.mon_command(json.dumps({'prefix': 'config help', 'key': n, 'format': 'json'}), b'')
    if r != 0:
        sys.exit(f'config help {n}: {s}')
    print(json.dumps(json.loads(o), separators=(',', ':')))
c.shutdown()
