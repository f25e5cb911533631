"""Debian's stock `ceph` CLI (/usr/bin/ceph, Ceph 16.2.15), preloaded once and forked per command.

Why: the acceptance tests run the `ceph` CLI thousands of times, and each new process spends about
a third of a second of CPU starting Python and importing rados, ceph_argparse and ceph_daemon
before it sends a byte. This process imports /usr/bin/ceph once (as a module, so its `__main__`
block does not run) and forks a child per command; the child runs the script's own main() and
exit sequence with the command's argv, environment, working directory, stdin, stdout and stderr,
exactly as `exec /usr/bin/ceph ARGS` would from that point on. Nothing of a command outlives its
child, so commands cannot affect each other. No Rados handle (and so no librados thread) exists in
this process before a fork.

Protocol (one JSON object per line). Request on stdin:
  {"id": N, "args": [...], "env": {...}, "cwd": "...", "stdin": base64}
Answers on stdout:
  {"id": N, "pid": P}                      once the child is forked (the caller may kill P);
  {"id": N, "code": C, "signal": S, "stdout": base64, "stderr": base64}   when it has exited
(code is null when the child was killed by signal S).
"""
import base64
import importlib.machinery
import importlib.util
import json
import os
import select
import signal
import sys
import tempfile

CEPH = '/usr/bin/ceph'


def load_cli():
    loader = importlib.machinery.SourceFileLoader('ceph_cli', CEPH)
    spec = importlib.util.spec_from_loader('ceph_cli', loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


def child(cli, req, fds):
    """In the forked child: become `ceph ARGS` and never return."""
    code = 1
    try:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        for i, fd in enumerate(fds):
            os.dup2(fd, i)
            os.close(fd)
        sys.stdin = open(0, 'r', closefd=False)
        sys.stdout = open(1, 'w', closefd=False)
        sys.stderr = open(2, 'w', closefd=False)
        os.chdir(req.get('cwd') or os.getcwd())
        os.environ.clear()
        os.environ.update(req.get('env', {}))
        sys.argv = [CEPH] + list(req['args'])
        # The script's own `if __name__ == '__main__'` sequence.
        try:
            code = cli.main()
            if code == 0 and cli.cluster_handle:
                cli.run_in_thread(cli.cluster_handle.shutdown)
        except KeyboardInterrupt:
            print('Interrupted')
            code = 4  # errno.EINTR
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
            if not isinstance(e.code, int) and e.code is not None:
                print(e.code, file=sys.stderr)
    except BaseException:
        import traceback
        traceback.print_exc()
        code = 1
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code or 0)


def main():
    cli = load_cli()
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.set_wakeup_fd(wake_w)
    tmp = tempfile.mkdtemp(prefix='ceph-fork-')
    running = {}  # pid -> (id, stdout path, stderr path)
    buf = b''
    eof = False

    def send(obj):
        os.write(1, (json.dumps(obj) + '\n').encode())

    while not eof or running:
        ready, _, _ = select.select([wake_r] + ([] if eof else [0]), [], [], 1.0)
        if wake_r in ready:
            os.read(wake_r, 4096)
        if 0 in ready:
            data = os.read(0, 65536)
            if not data:
                eof = True
            buf += data
            while b'\n' in buf:
                line, buf = buf.split(b'\n', 1)
                if not line.strip():
                    continue
                req = json.loads(line)
                rid = req['id']
                paths = [os.path.join(tmp, '%d.%s' % (rid, n)) for n in ('in', 'out', 'err')]
                with open(paths[0], 'wb') as f:
                    f.write(base64.b64decode(req.get('stdin', '')))
                fds = [os.open(paths[0], os.O_RDONLY)] + [os.open(p, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600) for p in paths[1:]]
                sys.stdout.flush()
                pid = os.fork()
                if pid == 0:
                    child(cli, req, fds)
                for fd in fds:
                    os.close(fd)
                os.unlink(paths[0])
                running[pid] = (rid, paths[1], paths[2])
                send({'id': rid, 'pid': pid})
        while running:
            pid, status = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                break
            if pid not in running:
                continue
            rid, out, err = running.pop(pid)
            answer = {'id': rid, 'code': None, 'signal': None}
            if os.WIFSIGNALED(status):
                answer['signal'] = os.WTERMSIG(status)
            else:
                answer['code'] = os.WEXITSTATUS(status)
            for key, path in (('stdout', out), ('stderr', err)):
                with open(path, 'rb') as f:
                    answer[key] = base64.b64encode(f.read()).decode()
                os.unlink(path)
            send(answer)
    os.rmdir(tmp)


if __name__ == '__main__':
    main()
