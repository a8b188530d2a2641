/** The host's byte order: bpf_attr and info structs are in the kernel's (native) order. */
import { endianness } from 'node:os';

export const os = { little: endianness() === 'LE' } as const;
