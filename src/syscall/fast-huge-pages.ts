/**
 * Fast path: big buffers asked to be backed by transparent huge pages (madvise MADV_HUGEPAGE), so
 * that filling them takes one page fault per 2 MB instead of one per 4 KB. On the development VM a
 * 4 KB fault costs ~12 us (touching a fresh 8 MB Int32Array: 25 ms), and a 1,000,000-entry apply
 * takes ~20,000 of them for its tables, keys index and read buffers; advised, 24,500 -> 13,900 faults
 * for the whole process, and the duplicate-key check alone 113 -> 76 ms (CPU profile). bench/apply.ts
 * writings, 2026-12-06, five runs each: canonical 0.98 s (1.43x the C loader) -> 0.94-0.96 s
 * (1.14x-1.25x), the other writings 1.09-1.31 s -> 0.89-1.29 s (see the README's Speed section).
 *
 * Advice only: where the kernel has THP off (`never`), on other systems, or without koffi, nothing
 * happens and nothing is thrown.
 */
import { addressOf, libcFunction } from './binding.js';

/** Buffers smaller than this are left alone (a huge page is 2 MB; only big tables gain). */
const MIN_BYTES = 4 << 20;
const HUGE = 2 << 20;
const MADV_HUGEPAGE = 14;

let madvise: ((addr: number, len: number, advice: number) => unknown) | null | undefined;

/** Advises the 2 MB-aligned interior of `view`'s memory to use huge pages; returns `view`. */
export function adviseHugePages<T extends ArrayBufferView>(view: T): T {
  if (view.byteLength < MIN_BYTES || process.platform !== 'linux' || madvise === null) return view;
  try {
    madvise ??= libcFunction('int madvise(uintptr_t addr, size_t len, int advice)').call;
    const addr = addressOf(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
    const start = Math.ceil(addr / HUGE) * HUGE;
    const end = Math.floor((addr + view.byteLength) / HUGE) * HUGE;
    if (end > start) madvise!(start, end - start, MADV_HUGEPAGE);
  } catch {
    madvise = null; // no koffi or no libc: never tried again
  }
  return view;
}
