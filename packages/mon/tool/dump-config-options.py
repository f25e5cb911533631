#!/usr/bin/python3
# Dumps the option schema of a real Ceph mon (`config ls`, then `config help <name>` for each) as
# JSON lines, one option per line, in `config help -f json` form: data/config-options.jsonl.
# Usage: /usr/bin/python3 tool/dump-config-options.py <ceph.conf> <keyring> > data/config-options.jsonl
import json, sys, rados
c = rados.Rados(conffile=sys.argv[1], conf={'keyring': sys.argv[2]})
c.connect()
r, o, s = c.mon_command(json.dumps({'prefix': 'config ls', 'format': 'json'}), b'')
for n in json.loads(o):
    r, o, s = c.mon_command(json.dumps({'prefix': 'config help', 'key': n, 'format': 'json'}), b'')
    print(json.dumps(json.loads(o), separators=(',', ':')))
c.shutdown()
