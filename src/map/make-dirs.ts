/**
 * mkdir -p, parents first, for the directories under /run/bpfmap (locks, journals). Not mkdirSync's
 * `recursive`: on Node 20 it spins forever where mkdir keeps failing with ENOENT (a path under /proc).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/** Makes `dir` and its missing parents (`mode` for each one made); throws the failing mkdir's error. */
export function makeDirs(dir: string, mode = 0o755, depth = 0): void {
  try {
    mkdirSync(dir, { mode });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    if (code !== 'ENOENT' || depth >= 32 || dirname(dir) === dir) throw e;
    makeDirs(dirname(dir), mode, depth + 1);
    try { mkdirSync(dir, { mode }); } catch (e2) { if ((e2 as NodeJS.ErrnoException).code !== 'EEXIST') throw e2; }
  }
}
