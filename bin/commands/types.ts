import type { CommandModule } from 'yargs';
import { stdoutSink, writeAllSync } from '../sink.js';
import { loadSource, formatTypesC, writeTypesJsonBytes, typesJson, stringifyJson, BpfmapError, ERROR_CODE } from '../../src/index.js';
import type { GlobalArgs } from '../options.js';

interface Args extends GlobalArgs {
  object: string;
  name?: string;
}

export const typesCommand: CommandModule<GlobalArgs, Args> = {
  command: 'types <object> [name]',
  describe: 'print BTF types as C-like declarations with offsets and sizes (objects and raw BTF)',
  builder: (y) =>
    y
      .positional('object', { type: 'string', demandOption: true, describe: 'BPF object file or raw BTF (e.g. /sys/kernel/btf/vmlinux)' })
      .positional('name', { type: 'string', describe: 'only the type with this name' })
      .example('$0 types fixtures/firewall.bpfel.o ruleType_st', 'one struct with its offsets')
      .example('$0 types /sys/kernel/btf/vmlinux task_struct', 'a kernel type')
      .example('$0 types /sys/kernel/btf/vmlinux --json > types.json', 'every type, one entry per id') as never,
  handler: (a) => {
    const src = loadSource(a.object);
    if (!src.btf) throw new BpfmapError(ERROR_CODE.BTF_MALFORMED, `${a.object}: has no BTF (.BTF section)`);
    const sink = stdoutSink();
    if (a.json) {
      if (a.name) {
        const ids = new Set(src.btf.idsByName(a.name));
        if (!ids.size) throw new BpfmapError(ERROR_CODE.NOT_FOUND, `${a.object}: no type named '${a.name}'`);
        const types = typesJson(src.btf).types.filter((t) => ids.has(t.id as number));
        sink.write(stringifyJson({ types }, 2));
        sink.write('\n');
      } else {
        writeTypesJsonBytes(src.btf, writeAllSync);
      }
    } else {
      const text = formatTypesC(src.btf, a.name);
      sink.write(text.endsWith('\n') ? text : `${text}\n`);
    }
    sink.end();
  },
};
