import { stdoutSink, writeAllSync } from '../sink.js';
import { isRawBtf, loadSplitBtf, defaultBtfBase, formatTypesC, typesJson, stringifyJson, BpfmapError, ERROR_CODE } from '../../src/index.js';
import { loadSourceBytes, readInputFile } from '../../src/object/source.js';
import { mapSysfsFile } from '../../src/syscall/index.js';
import { writeTypesJsonBytes } from '../../src/format/index.js';
import type { GlobalArgs } from '../options.js';
import { defineCommand } from '../spec.js';
import type { Btf } from '../../src/index.js';

interface Args extends GlobalArgs {
  object: string;
  name?: string;
  base?: string;
}

/** A file's bytes: the kernel's BTF in sysfs mapped rather than read (src/syscall/fast-sysfs-map.ts). */
const fileBytes = (path: string): Uint8Array => mapSysfsFile(path) ?? readInputFile(path);

/** The object or raw BTF; split BTF (a module under /sys/kernel/btf, or --base) on top of its base. */
function typesOf(a: Args): Btf | null {
  const base = a.base ?? defaultBtfBase(a.object);
  if (!base) return loadSourceBytes(fileBytes(a.object), a.object).btf;
  const baseBtf = loadSourceBytes(fileBytes(base), base).btf;
  if (!baseBtf) throw new BpfmapError(ERROR_CODE.BTF_MALFORMED, `${base}: has no BTF (.BTF section), expected the base BTF`);
  const bytes = fileBytes(a.object);
  if (!isRawBtf(bytes)) throw new BpfmapError(ERROR_CODE.VALUE_INVALID, `${a.object}: expected raw split BTF (magic 0xeb9f) with base '${base}'`);
  return loadSplitBtf(bytes, baseBtf);
}

export const typesCommand = defineCommand({
  command: 'types',
  describe: 'print BTF types as C-like declarations with offsets and sizes (objects and raw BTF)',
  positionals: {
    object: { describe: 'BPF object file or raw BTF (e.g. /sys/kernel/btf/vmlinux)', required: true },
    name: { describe: 'only the type with this name' },
  },
  options: {
    base: { type: 'string', describe: 'base BTF of split BTF (default for /sys/kernel/btf/<module>: /sys/kernel/btf/vmlinux)' },
  },
  examples: [
    ['$0 types fixtures/firewall.bpfel.o ruleType_st', 'one struct with its offsets'],
    ['$0 types /sys/kernel/btf/vmlinux task_struct', 'a kernel type'],
    ['$0 types /sys/kernel/btf/vmlinux --json > types.json', 'every type, one entry per id'],
  ],
  handler: (a) => {
    const btf = typesOf(a);
    if (!btf) throw new BpfmapError(ERROR_CODE.BTF_MALFORMED, `${a.object}: has no BTF (.BTF section)`);
    const sink = stdoutSink();
    if (a.json) {
      if (a.name) {
        const ids = btf.idsByName(a.name);
        if (!ids.length) throw new BpfmapError(ERROR_CODE.NOT_FOUND, `${a.object}: no type named '${a.name}'`);
        const { types } = typesJson(btf, ids);
        sink.write(stringifyJson({ types }, 2));
        sink.write('\n');
      } else {
        writeTypesJsonBytes(btf, writeAllSync);
      }
    } else {
      const text = formatTypesC(btf, a.name);
      sink.write(text.endsWith('\n') ? text : `${text}\n`);
    }
    sink.end();
  },
});
