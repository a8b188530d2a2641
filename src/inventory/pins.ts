/**
 * Every pin of every bpf object: the bpffs mounts (from /proc/self/mounts), walked, each pin opened
 * with OBJ_GET and told apart by its fdinfo (maps, programs). A pin that cannot be opened is skipped.
 */
import { readFileSync, readdirSync, type Dirent } from 'node:fs';
import { join } from 'node:path';
import { closeFd, objGet, objGetInfoByFd } from '../syscall/index.js';

/** Mount points of bpf filesystems, as /proc/self/mounts lists them (octal escapes decoded). */
export function bpffsMounts(mountsText?: string): string[] {
  let text = mountsText;
  if (text === undefined) {
    try { text = readFileSync('/proc/self/mounts', 'utf8'); } catch { return []; }
  }
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    if (f[2] !== 'bpf' || f[1] === undefined) continue;
    const dir = f[1].replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (!out.includes(dir)) out.push(dir);
  }
  return out;
}

/** What kind of bpf object an fd is, from /proc/self/fdinfo. */
export function fdKind(fd: number): 'map' | 'prog' | 'link' | 'other' {
  let text: string;
  try { text = readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'); } catch { return 'other'; }
  if (/^map_type:/m.test(text)) return 'map';
  if (/^prog_type:/m.test(text)) return 'prog';
  if (/^link_type:/m.test(text)) return 'link';
  return 'other';
}

const MAX_DEPTH = 32;

/** Map id -> its pin paths (sorted), over every file under `roots`. */
export function mapPins(roots: readonly string[] = bpffsMounts()): Map<number, string[]> {
  const out = new Map<number, string[]>();
  const seen = new Set<string>();
  const walk = (dir: string, depth: number): void => {
    if (depth > MAX_DEPTH || seen.has(dir)) return;
    seen.add(dir);
    let items: Dirent[];
    try { items = readdirSync(dir, { withFileTypes: true }); } catch { return; }
    for (const d of items) {
      const p = join(dir, d.name);
      if (d.isDirectory()) { walk(p, depth + 1); continue; }
      if (!d.isFile()) continue;
      let fd: number;
      try { fd = objGet(p); } catch { continue; }
      try {
        if (fdKind(fd) !== 'map') continue;
        const id = objGetInfoByFd(fd, `'${p}'`).id;
        const list = out.get(id);
        if (list) list.push(p); else out.set(id, [p]);
      } catch { /* gone meanwhile */ } finally {
        closeFd(fd);
      }
    }
  };
  for (const r of roots) walk(r, 0);
  for (const list of out.values()) list.sort();
  return out;
}
