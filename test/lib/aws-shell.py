"""Debian's stock AWS CLI (awscli 2.x under /usr/bin/python3), hosted in one long-lived interpreter.

Each request is one JSON line on stdin: {"args": [...], "env": {...}, "stdin": base64}. It runs
exactly what `aws ARGS` runs (awscli.clidriver.AWSCLIEntryPoint, the entry point of /usr/bin/aws)
with that environment, and answers one JSON line: {"code": N, "stdout": base64, "stderr": base64}.
Why: the tests issue hundreds of aws commands, and each new process spends about a second of CPU
importing botocore before it sends a byte; hosting the same code once removes that cost and
nothing else.
"""
import base64
import io
import json
import os
import sys

from awscli.clidriver import AWSCLIEntryPoint

# awscli records its data directory in the environment when it is imported; keep it in every request's.
DATA_PATH = os.environ['AWS_DATA_PATH']


def wrap(data=b''):
    return io.TextIOWrapper(io.BytesIO(data), encoding='utf-8', write_through=True)


def run(req):
    saved = (sys.stdin, sys.stdout, sys.stderr, dict(os.environ))
    out, err = wrap(), wrap()
    sys.stdin, sys.stdout, sys.stderr = wrap(base64.b64decode(req.get('stdin', ''))), out, err
    os.environ.clear()
    os.environ.update(req.get('env', {}))
    os.environ['AWS_DATA_PATH'] = DATA_PATH
    try:
        code = AWSCLIEntryPoint().main(req['args'])
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else 1
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved[0], saved[1], saved[2]
        os.environ.clear()
        os.environ.update(saved[3])
    return {'code': code or 0, 'stdout': base64.b64encode(out.buffer.getvalue()).decode(),
            'stderr': base64.b64encode(err.buffer.getvalue()).decode()}


def main():
    for line in sys.stdin:
        if line.strip():
            sys.stdout.write(json.dumps(run(json.loads(line))) + '\n')
            sys.stdout.flush()


if __name__ == '__main__':
    main()
