/**
 * A fresh root machine: commands that pin or open a default pin mount bpffs at /sys/fs/bpf when it is
 * missing, and say so. Each case runs in a private mount namespace where the test unmounts bpffs;
 * the host's mount is never touched (propagation private).
 */
import { suite, skip, toolsMissing } from './helpers/skip.js';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { kernel } from './helpers/kernel.js';
import { BIN, FW, TABLE } from './helpers/cli.js';

const NOTICE = 'bpfmap: bpffs was not mounted at /sys/fs/bpf; mounted it (mount -t bpf bpf /sys/fs/bpf)\n';

/** Runs `body` (sh) in a private mount namespace without bpffs at /sys/fs/bpf; $BPFMAP runs the CLI. */
function withoutBpffs(body: string): { code: number; stdout: string; stderr: string } {
  const script = `set -e
while mountpoint -q /sys/fs/bpf; do umount /sys/fs/bpf; done
test "$(stat -f -c %T /sys/fs/bpf)" != bpf_fs
${body}`;
  const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script], {
    encoding: 'utf8', env: { ...process.env, BPFMAP: `${process.execPath} ${BIN}` },
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function skipWithoutTools(): boolean {
  const missing = toolsMissing(['unshare', 'mountpoint', 'umount', 'stat']);
  if (!missing) return false;
  skip(`${missing} not installed`);
  return true;
}

const M = suite('mount bpffs when missing');

M('create under /sys/fs/bpf mounts it, says so on stderr, and pins there', kernel(() => {
  if (skipWithoutTools()) return;
  const r = withoutBpffs(`$BPFMAP create ${FW} ${TABLE} --pin-root /sys/fs/bpf/fresh --json
echo "fs=$(stat -f -c %T /sys/fs/bpf)"
ls /sys/fs/bpf/fresh`);
  assert.is(r.code, 0, r.stderr);
  // Under --json the notice is a JSON object like every other line of the run.
  assert.is(r.stderr, `${JSON.stringify({ notice: NOTICE.replace(/^bpfmap: /, '').trimEnd() })}\n`);
  assert.match(r.stdout, `"status": "created"`);
  assert.match(r.stdout, `fs=bpf_fs\n${TABLE}\n`);
}));

M('the default pins (no flags) and --pin under /sys/fs/bpf mount it; --pin elsewhere, --id, a tmpfs there and offline commands do not', kernel(() => {
  if (skipWithoutTools()) return;
  // (whether it then finds a map depends on what else is loaded on the host: loaded maps are not per namespace)
  const def = withoutBpffs(`$BPFMAP dump ${FW} ${TABLE} > /dev/null || true; echo "fs=$(stat -f -c %T /sys/fs/bpf)"`);
  assert.ok(def.stderr.startsWith(NOTICE), def.stderr);
  assert.is(def.stdout, 'fs=bpf_fs\n');
  const pin = withoutBpffs(`$BPFMAP dump --pin /sys/fs/bpf/x || echo "exit=$?"; echo "fs=$(stat -f -c %T /sys/fs/bpf)"`);
  assert.ok(pin.stderr.startsWith(NOTICE), pin.stderr);
  assert.match(pin.stdout, 'exit=3\nfs=bpf_fs\n');
  const elsewhere = withoutBpffs(`$BPFMAP dump --pin /tmp/not-bpffs-here || echo "exit=$?"; $BPFMAP dump --id 4294967295 || echo "exit=$?"; echo "fs=$(stat -f -c %T /sys/fs/bpf)"`);
  assert.not.match(elsewhere.stderr, 'mounted it');
  assert.match(elsewhere.stdout, 'exit=3\nexit=3\nfs=sysfs\n');
  // a file system mounted there on purpose (not bpffs) is left alone
  const tmpfs = withoutBpffs(`mount -t tmpfs none /sys/fs/bpf; $BPFMAP dump --pin /sys/fs/bpf/x || echo "exit=$?"; echo "fs=$(stat -f -c %T /sys/fs/bpf)"`);
  assert.not.match(tmpfs.stderr, 'mounted it');
  assert.match(tmpfs.stderr, 'is not on a bpf filesystem');
  assert.is(tmpfs.stdout, 'exit=3\nfs=tmpfs\n');
  // offline commands never mount
  const offline = withoutBpffs(`$BPFMAP maps ${FW} > /dev/null; echo "fs=$(stat -f -c %T /sys/fs/bpf)"`);
  assert.is(offline.stderr, '');
  assert.is(offline.stdout, 'fs=sysfs\n');
}));
M.run();
