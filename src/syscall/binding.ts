/**
 * The raw bpf() call through koffi, loaded on first use. Nothing at module top level touches koffi,
 * so importing this file is free on systems where koffi or bpf() is missing.
 *
 * Pointers inside bpf_attr must be real addresses that stay valid for the call: they come from
 * `Scratch` buffers backed by their own ArrayBuffer (never moved by the garbage collector), whose
 * address is taken once.
 */
import { createRequire } from 'node:module';
import { BpfmapError, ERROR_CODE } from '../errors.js';
import { sysBpfNumber } from './arch.js';
import { loadKoffiNative } from './fast-koffi-load.js';

interface Koffi {
  load(path: string | null): { func(decl: string): (...args: unknown[]) => unknown };
  errno(): number;
  errno(value: number): number;
  address(value: unknown): bigint;
  view(ptr: number, len: number): ArrayBuffer;
}

let koffi: Koffi | undefined;
let call: ((nr: number, cmd: number, attr: number, size: number) => number) | undefined;
let libc: ReturnType<Koffi['load']> | undefined;
let nr = 0;

function load(): void {
  nr = sysBpfNumber();
  try {
    // import.meta.filename (Node 20.11 and later; in the CLI bundle, the bundle's own path) spares
    // making and parsing a file: URL where it is known.
    const require = createRequire(import.meta.filename ?? import.meta.url);
    koffi = (loadKoffiNative(require) ?? require('koffi')) as Koffi;
    libc = koffi.load(null);
    // The attr is passed as its address (a number): measured about 20 ns cheaper per call than letting
    // koffi resolve a `void *` from a typed array, which matters for single lookups.
    call = libc.func('long syscall(long nr, long cmd, uintptr_t attr, unsigned int size)') as typeof call;
  } catch (e) {
    throw new BpfmapError(ERROR_CODE.NOT_SUPPORTED,
      `bpf(): expected the koffi module to load, got: ${(e as Error).message}`, { cause: e });
  }
}

let lastErrno = 0;

/** Where koffi is installed (for a worker thread that loads it itself). */
export function koffiPath(): string {
  return createRequire(import.meta.url).resolve('koffi');
}

/** A libc function by its C declaration (e.g. flock), with the errno of its last failure. */
export function libcFunction(decl: string): { call: (...args: unknown[]) => unknown; errno: () => number } {
  if (libc === undefined) load();
  const fn = libc!.func(decl);
  return { call: fn, errno: () => koffi!.errno() };
}

/**
 * An ArrayBuffer over `len` bytes of native memory at `addr` (an mmap'ed ring), without copying.
 * The caller must drop every view before unmapping the memory: a view of unmapped memory crashes.
 */
export function memoryView(addr: number, len: number): ArrayBuffer {
  if (koffi === undefined) load();
  return koffi!.view(addr, len);
}

/** Something with a stable address and a size: an Attr. */
export interface AttrLike {
  readonly addr: number;
  readonly size: number;
}

/** Calls bpf(cmd, attr, size). Returns the result (>= 0) or -1 with the errno in `bpfErrno()`. */
export function bpf(cmd: number, attr: AttrLike, size: number = attr.size): number {
  if (call === undefined) load();
  const r = call!(nr, cmd, attr.addr, size);
  if (r < 0) lastErrno = koffi!.errno();
  return r;
}

/** errno of the last failed bpf() call, read right after it. */
export function bpfErrno(): number {
  return lastErrno;
}

/**
 * Address of a buffer that owns its ArrayBuffer (see Scratch), as a number: user-space addresses fit
 * in 53 bits on every supported architecture.
 */
export function addressOf(buf: Uint8Array): number {
  if (koffi === undefined) load();
  return Number(koffi!.address(buf));
}

/**
 * A growable buffer at a stable address, for key/value/batch memory that bpf_attr points at.
 * Single-threaded JS makes one module-level set of these safe to reuse between calls.
 */
export class Scratch {
  bytes: Uint8Array = new Uint8Array(0);
  addr = 0;

  /** At least `size` bytes (contents unspecified); returns the address. */
  ensure(size: number): number {
    if (this.bytes.byteLength < size || this.addr === 0) {
      let cap = Math.max(64, this.bytes.byteLength);
      while (cap < size) cap *= 2;
      this.bytes = new Uint8Array(new ArrayBuffer(cap));
      this.addr = addressOf(this.bytes);
    }
    return this.addr;
  }

  /** Copies `src` in and returns the address. */
  put(src: Uint8Array): number {
    const a = this.ensure(src.byteLength);
    this.bytes.set(src);
    return a;
  }
}

let mountFn: ((source: string, target: string, fstype: string, flags: number, data: null) => number) | undefined;

/** mount(2) from libc; returns 0, or -1 with the errno in `bpfErrno()`. */
export function libcMount(source: string, target: string, fstype: string): number {
  if (koffi === undefined) load();
  mountFn ??= koffi!.load(null).func('int mount(const char *source, const char *target, const char *fstype, unsigned long flags, const void *data)') as NonNullable<typeof mountFn>;
  const r = mountFn!(source, target, fstype, 0, null);
  if (r < 0) lastErrno = koffi!.errno();
  return r;
}
