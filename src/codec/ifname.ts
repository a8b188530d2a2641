/**
 * Interface names for interface indexes: an integer field whose name ends in `ifindex`
 * (`ingress_ifindex`, `ifindex`), or one declared an interface index (ifindex-fields.ts), also takes
 * the name of a network interface (`lo`, `eth0`), resolved on the host that encodes, in the network
 * namespace the process runs in, from `/sys/class/net/<name>/ifindex`. Numbers and decimal / 0x strings stay numbers; output stays numeric
 * (an index prints as the same number on every host, a name would not).
 */
import { readFileSync } from 'node:fs';
import type { IntNode } from '../schema/types.js';
import { Fail, describe } from './fail.js';
import type { Compiled } from './types.js';

/** Linux interface names: 1..15 bytes, no '/', no whitespace, not `.` or `..`. */
const IFNAME = /^[^\s/:]{1,15}$/;

/**
 * Whether a record member takes interface names: an int whose name ends in `ifindex`, or one declared
 * an interface index (`ifindex: true`, see ifindex-fields.ts).
 */
export function takesIfname(f: { name: string; type: { kind: string }; ifindex?: boolean }): boolean {
  return (f.ifindex === true || /ifindex$/i.test(f.name)) && f.type.kind === 'int';
}

/** The index of interface `name` in this process's network namespace, or null when there is none. */
export function ifindexOf(name: string): number | null {
  if (!IFNAME.test(name) || name === '.' || name === '..') return null;
  try {
    // Number() ignores the file's trailing newline.
    const n = Number(readFileSync(`/sys/class/net/${name}/ifindex`, 'utf8'));
    return Number.isInteger(n) && n > 0 ? n : null;
  } catch {
    return null;
  }
}

/** Adds interface-name input to an ifindex field's compiled int. */
export function withIfname(c: Compiled): Compiled {
  return {
    size: c.size,
    usesView: c.usesView,
    enc(input, dv, u8, off) {
      if (typeof input === 'string' && !/^\s*[-+]?(\d+|0[xX][0-9a-fA-F]+)\s*$/.test(input)) {
        const i = ifindexOf(input);
        if (i === null) throw new Fail(`expected an interface index or the name of a network interface on this host, got ${describe(input)}: no such interface (see ip link)`);
        c.enc(i, dv, u8, off);
        return;
      }
      c.enc(input, dv, u8, off);
    },
    dec: c.dec,
  };
}
