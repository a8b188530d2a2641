/**
 * perf_event_open(2) for BPF output (the ring a BPF_MAP_TYPE_PERF_EVENT_ARRAY slot points at), and
 * the ioctl that enables it. perf_event_attr (linux/perf_event.h): type u32 @0, size u32 @4, config
 * u64 @8, sample_period u64 @16, sample_type u64 @24, read_format u64 @32, flag bits u64 @40,
 * wakeup_events u32 @48; PERF_ATTR_SIZE_VER7 is 128 bytes.
 */
import { Attr } from './attr.js';
import { libcFunction } from './binding.js';
import { BpfmapError, ERROR_CODE } from '../errors.js';
import { syscallError } from './errno.js';

export const PERF_TYPE_SOFTWARE = 1;
export const PERF_COUNT_SW_BPF_OUTPUT = 10;
export const PERF_SAMPLE_RAW = 1 << 10;
export const PERF_FLAG_FD_CLOEXEC = 8;
/** _IO('$', 0) */
export const PERF_EVENT_IOC_ENABLE = 0x2400;
export const PERF_ATTR_SIZE = 128;
/** perf_event_header.type of the records in the ring. */
export const PERF_RECORD = { LOST: 2, SAMPLE: 9 } as const;
/** Offsets in the ring's first page (struct perf_event_mmap_page). */
export const PERF_MMAP = { DATA_HEAD: 1024, DATA_TAIL: 1032 } as const;

const SYS_PERF_EVENT_OPEN: Readonly<Record<string, number>> = { x64: 298, arm64: 241, riscv64: 241, loong64: 241, ia32: 336, arm: 364, s390x: 331, ppc64: 319 };

let openFn: ReturnType<typeof libcFunction> | undefined;
let ioctlFn: ReturnType<typeof libcFunction> | undefined;

/** Opens a BPF output event on `cpu` (all processes); returns its fd (the caller closes it). */
export function perfEventOpenBpfOutput(cpu: number): number {
  const nr = SYS_PERF_EVENT_OPEN[process.arch];
  if (nr === undefined) throw new BpfmapError(ERROR_CODE.NOT_SUPPORTED, `perf_event_open: no system call number known for architecture ${process.arch}`);
  openFn ??= libcFunction('long syscall(long nr, uintptr_t attr, long pid, long cpu, long group, unsigned long flags)');
  const attr = new Attr(PERF_ATTR_SIZE).u32(0, PERF_TYPE_SOFTWARE).u32(4, PERF_ATTR_SIZE).u64(8, PERF_COUNT_SW_BPF_OUTPUT)
    .u64(16, 1).u64(24, PERF_SAMPLE_RAW).u32(48, 1);
  const fd = Number(openFn.call(nr, attr.addr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC));
  if (fd < 0) throw syscallError('perf_event_open', openFn.errno(), { subject: `perf event on cpu ${cpu}` });
  return fd;
}

/** ioctl(fd, request, arg) with an integer argument. */
export function ioctl(fd: number, request: number, arg: number, subject: string): void {
  ioctlFn ??= libcFunction('int ioctl(int fd, unsigned long request, unsigned long arg)');
  if ((ioctlFn.call(fd, request, arg) as number) < 0) throw syscallError('ioctl', ioctlFn.errno(), { subject });
}
