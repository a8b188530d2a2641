/**
 * Fast path: MAP_UPDATE_BATCH from two threads. The kernel's hash maps lock per bucket, so two
 * threads writing different chunks of one big batch run side by side on two cores: 1,000,000
 * firewall entries into a hash map took 0.62 s from one thread and 0.40 s from two in a C test on
 * this 2-core machine. Here the main thread and one worker thread (started once, on first need; it
 * loads koffi and waits) take chunks from a shared counter until none is left, so a worker still
 * starting up costs nothing but its share. `bpfmap apply` of 1,000,000 canonical NDJSON entries
 * (bench/apply.ts writings, 2026-12-06): the kernel's batch updates 612 -> 358 ms of the CPU profile,
 * the whole process 1.30 s -> 1.16 s with this alone (C loader 0.74 s, medians of 3; run-to-run
 * noise here is about 0.1 s).
 *
 * The worker sees no JavaScript object of the main thread: it gets the map fd and the addresses of
 * the packed keys and values (held in `inUse` until the job is settled, so that they cannot be
 * collected while the worker reads them), and reports through a SharedArrayBuffer. Whatever happens
 * on the main thread (a hook that throws included), the job is settled before this returns: stopped
 * and taken back, or waited for; a worker ended from outside mid-job (it then never reports) is
 * noticed by its thread id within ALIVE_CHECK_MS, and the write fails from the chunk it was on (the
 * next write starts a new worker). On an error, no new chunk is started by either thread; the error thrown is the
 * one at the lowest entry index, its `failedAt` that index. Entries after it may have gone in (the
 * other thread's chunks): only callers that undo from the whole plan use this (apply's writes; its
 * rollback and recovery writes go from one thread). Not re-entrant: a hook that starts another
 * shared write while one runs gets an error.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { Attr } from './attr.js';
import { updateBatchAttr } from './batch.js';
import { addressOf, bpf, bpfErrno, koffiPath } from './binding.js';
import { sysBpfNumber } from './arch.js';
import { BPF_CMD } from './constants.js';
import { syscallError } from './errno.js';
import { subjectOf } from './fail.js';
import { BpfmapError, ERROR_CODE } from '../errors.js';

/** Slots of the control words (Int32Array over the shared buffer). */
const STATE = 0, NEXT = 1, STOP = 2, DONE = 3, CALLS = 4, ERRNO = 5, FAIL_AT = 6, READY = 7;
/** The worker's thread id (a worker that cannot tell it never gets ready), and the first entry of the chunk it is on. */
const TID = 8, AT = 9;
/** STATE values: no job posted yet, or the job taken back; a job posted; the worker runs it; the worker finished it (left so until the next job). */
const IDLE = 0, POSTED = 1, RUNNING = 2, FINISHED = 3;
/** Job parameters (Float64Array after the control words): fd, keys, values, count, chunk, keySize, valueSize. */
const JOB_AT = 64;
/** errno reported for a failure that set none (EIO), and for an exception in the worker's own code. */
const EIO = 5;
/**
 * While the worker runs a job, the main thread checks this often that its thread still exists. A
 * worker ended from outside (terminate(), or its heap out of memory) does not reach its `finally`: it
 * never reports FINISHED, and a wait without a limit would hang the write (and apply's map lock).
 */
const ALIVE_CHECK_MS = 100;

// The worker's code, evaluated as CommonJS, or as an ES module in a process started with
// --input-type=module (from Node 20.18.1 the worker takes that option for its eval'd code; Node has
// process.getBuiltinModule from 20.16): it then has no require of its own and makes one from koffi's
// path. u64 fields are written through native-endian typed arrays: the kernel reads bpf_attr in the
// machine's byte order. Each job sets FAIL_AT to -1; the worker sets it where a chunk failed.
const WORKER = `'use strict';
const cjs = typeof require === 'function';
const { workerData } = cjs ? require('node:worker_threads') : process.getBuiltinModule('node:worker_threads');
const load = cjs ? require : process.getBuiltinModule('node:module').createRequire(workerData.koffi);
const koffi = load(workerData.koffi);
const call = koffi.load(null).func('long syscall(long nr, long cmd, uintptr_t attr, unsigned int size)');
const ctl = new Int32Array(workerData.shared, 0, 16);
const job = new Float64Array(workerData.shared, ${JOB_AT}, 7);
const attr = new ArrayBuffer(56);
const u32 = new Uint32Array(attr), u64 = new BigUint64Array(attr);
const addr = Number(koffi.address(new Uint8Array(attr)));
try { ctl[${TID}] = Number(load('node:fs').readlinkSync(workerData.threadSelf).split('/').pop()) || 0; } catch {}
// A thread whose id is unknown could not be seen to end during a job, and its job waited for without
// end: such a worker never gets ready (it ends here), and the main thread writes every chunk.
if (!(ctl[${TID}] > 0)) throw new Error('the worker thread cannot tell its thread id (' + workerData.threadSelf + ')');
Atomics.store(ctl, ${READY}, 1);
Atomics.notify(ctl, ${READY});
for (;;) {
  let s;
  while ((s = Atomics.load(ctl, ${STATE})) !== ${POSTED}) Atomics.wait(ctl, ${STATE}, s);
  if (Atomics.compareExchange(ctl, ${STATE}, ${POSTED}, ${RUNNING}) !== ${POSTED}) continue;
  const [fd, keys, values, count, chunk, ks, vs] = job;
  let start = 0;
  try {
    while (Atomics.load(ctl, ${STOP}) === 0) {
      start = Atomics.add(ctl, ${NEXT}, 1) * chunk;
      if (start >= count) break;
      Atomics.store(ctl, ${AT}, start);
      const n = Math.min(chunk, count - start);
      u64.fill(0n);
      u64[2] = BigInt(keys + start * ks);
      u64[3] = BigInt(values + start * vs);
      u32[8] = n;
      u32[9] = fd;
      Atomics.add(ctl, ${CALLS}, 1);
      if (call(workerData.nr, workerData.cmd, addr, 56) < 0) {
        const errno = koffi.errno();
        const took = u32[8] >= n ? 0 : u32[8];
        ctl[${ERRNO}] = errno > 0 ? errno : ${EIO};
        ctl[${FAIL_AT}] = start + took;
        Atomics.add(ctl, ${DONE}, took);
        Atomics.store(ctl, ${STOP}, 1);
        break;
      }
      Atomics.add(ctl, ${DONE}, n);
    }
  } catch {
    ctl[${ERRNO}] = ${EIO};
    ctl[${FAIL_AT}] = start;
    Atomics.store(ctl, ${STOP}, 1);
  } finally {
    Atomics.store(ctl, ${STATE}, ${FINISHED});
    Atomics.notify(ctl, ${STATE});
  }
}
`;

let shared: SharedArrayBuffer | undefined;
let worker: Worker | null | undefined;
/** The buffers whose addresses the running job uses, kept reachable until it is settled. */
let inUse: readonly Uint8Array[] = [];
/** A shared write is running (its hooks run inside it). */
let busy = false;

/** The machine has a second core for the worker. */
export function batchThreadUseful(): boolean {
  return availableParallelism() >= 2;
}

/**
 * Starts the worker thread if it is not running (it takes tens of milliseconds to load, on the other
 * core: start it before the writes, e.g. while planning). A worker that fails to start (or to load
 * koffi, or to tell its thread id) never takes a job and is never waited for: the main thread then
 * writes every chunk. `threadSelf`: where the worker reads its thread id (tests name one that does not exist).
 */
export function startBatchThread(threadSelf = '/proc/thread-self'): void {
  if (worker !== undefined) return;
  shared = new SharedArrayBuffer(JOB_AT + 7 * 8);
  try {
    // node:worker_threads is required here, not imported: loading it took ~3.7 ms, which every command
    // that touches the kernel would pay at start-up.
    const { Worker: WorkerThread } = createRequire(import.meta.url)('node:worker_threads') as typeof import('node:worker_threads');
    worker = new WorkerThread(WORKER, {
      eval: true,
      workerData: { shared, koffi: koffiPath(), nr: sysBpfNumber(), cmd: BPF_CMD.MAP_UPDATE_BATCH, threadSelf },
      // Its output is not the command's: nothing it might print reaches stdout or stderr.
      stdout: true,
      stderr: true,
    });
    const w = worker, ctl = new Int32Array(shared, 0, 16);
    w.unref();
    w.on('error', () => {});
    // Dropped, not read: Node keeps the process alive while a worker's stdout or stderr is being read,
    // so a worker that printed anything (a module preloaded through NODE_OPTIONS runs in every thread)
    // would keep a finished command from exiting. Destroyed streams are never read.
    w.stdout.destroy();
    w.stderr.destroy();
    // A worker that ends between jobs is forgotten, so that the next write starts a new one; one that
    // ended before it was ready (koffi failed to load) is not started again. Exit events run between
    // writes, never during one.
    w.on('exit', () => {
      if (worker !== w) return;
      if (Atomics.load(ctl, READY) === 1) forgetWorker();
      else worker = null;
    });
  } catch {
    worker = null;
  }
}

/** Forgets the worker and its control words (it is gone): the next shared write starts a new one. */
function forgetWorker(): void {
  worker = undefined;
  shared = undefined;
}

/** The worker's thread still exists (a worker that took a job knows its id: see the worker's code). */
function workerAlive(ctl: Int32Array): boolean {
  return existsSync(`/proc/self/task/${Atomics.load(ctl, TID)}`);
}

/**
 * Ends the worker thread (tests: a worker that dies during a write); one that never got ready is
 * forgotten, so that the next write may start another.
 */
export function endBatchThread(): Promise<number> {
  const w = worker;
  if (w === null) forgetWorker();
  return w ? w.terminate() : Promise.resolve(0);
}

/** Where the worker stands (tests): none started, loading, ready to take jobs, or never to be used. */
export function batchThreadState(): 'none' | 'loading' | 'ready' | 'unusable' {
  if (worker === undefined) return 'none';
  if (worker === null) return 'unusable';
  return Atomics.load(new Int32Array(shared!, 0, 16), READY) === 1 ? 'ready' : 'loading';
}

/** Waits up to `ms` for the worker to have loaded (tests); true once it has. */
export function batchThreadReady(ms: number): boolean {
  if (!shared || worker === null) return false;
  const ctl = new Int32Array(shared, 0, 16);
  Atomics.wait(ctl, READY, 0, ms); // returns at once when READY is no longer 0
  return Atomics.load(ctl, READY) === 1;
}

/** The buffers a running shared write keeps reachable (tests: its keys and values while it runs, none after). */
export function batchThreadHolds(): readonly Uint8Array[] {
  return inUse;
}

/** What the main thread hears while the two threads write. */
export interface SharedBatchHooks {
  /** Before each batch call; `worker`: made by the worker thread (told after the writes). */
  onCall?: (worker: boolean) => void;
  /** Entries the kernel took, as they are known (the worker's total after the writes: 0 when it took no chunk). */
  onDone?: (n: number) => void;
}

/**
 * Writes `count` entries (keys packed at keySize in `keys`, values at valueSize in `values`; their
 * memory must stay where it is until this returns: no growing or transferring) in chunks of `chunk`,
 * from this thread and the worker. Throws the error at the lowest entry index, with `failedAt` that
 * index.
 */
export function mapUpdateBatchShared(fd: number, keys: Uint8Array, values: Uint8Array, count: number,
  keySize: number, valueSize: number, chunk: number, subject?: string, hooks: SharedBatchHooks = {}): void {
  if (busy) throw new BpfmapError(ERROR_CODE.INTERNAL, 'mapUpdateBatchShared: a shared batch write is already running (called from one of its hooks)');
  startBatchThread();
  busy = true;
  try {
    writeShared(fd, keys, values, count, keySize, valueSize, chunk, subject, hooks);
  } finally {
    busy = false;
  }
}

function writeShared(fd: number, keys: Uint8Array, values: Uint8Array, count: number,
  keySize: number, valueSize: number, chunk: number, subject: string | undefined, hooks: SharedBatchHooks): void {
  const ctl = new Int32Array(shared!, 0, 16);
  const job = new Float64Array(shared!, JOB_AT, 7);
  const kAddr = addressOf(keys), vAddr = addressOf(values);
  inUse = [keys, values];
  job.set([fd, kAddr, vAddr, count, chunk, keySize, valueSize]);
  for (const i of [NEXT, STOP, DONE, CALLS, ERRNO, AT]) Atomics.store(ctl, i, 0);
  Atomics.store(ctl, FAIL_AT, -1);
  Atomics.store(ctl, STATE, POSTED);
  Atomics.notify(ctl, STATE);

  let mainError: Error | null = null, mainFailedAt = 0;
  let workerGone = false;
  try {
    const attr = new Attr(56);
    while (Atomics.load(ctl, STOP) === 0) {
      const start = Atomics.add(ctl, NEXT, 1) * chunk;
      if (start >= count) break;
      const n = Math.min(chunk, count - start);
      updateBatchAttr(fd, kAddr + start * keySize, vAddr + start * valueSize, n, 0, attr);
      hooks.onCall?.(false);
      if (bpf(BPF_CMD.MAP_UPDATE_BATCH, attr) < 0) {
        const took = attr.getU32(32) >= n ? 0 : attr.getU32(32);
        mainError = syscallError('MAP_UPDATE_BATCH', bpfErrno(), subjectOf(fd, subject));
        mainFailedAt = start + took;
        Atomics.store(ctl, STOP, 1);
        hooks.onDone?.(took);
        break;
      }
      hooks.onDone?.(n);
    }
  } finally {
    // Settle the job whatever happened above: no new chunk, taken back if the worker never started
    // it, else waited for.
    Atomics.store(ctl, STOP, 1);
    if (Atomics.compareExchange(ctl, STATE, POSTED, IDLE) !== POSTED) {
      while (Atomics.load(ctl, STATE) === RUNNING) {
        if (Atomics.wait(ctl, STATE, RUNNING, ALIVE_CHECK_MS) === 'timed-out' && !workerAlive(ctl)) {
          // It may have finished the job just before it ended: then the job is whole.
          workerGone = Atomics.load(ctl, STATE) === RUNNING;
          // Forgotten with its control words whatever happens next: the next shared write starts a new one.
          forgetWorker();
          break;
        }
      }
    }
    inUse = [];
  }
  const calls = Atomics.load(ctl, CALLS), done = Atomics.load(ctl, DONE);
  const errno = Atomics.load(ctl, ERRNO), workerFailedAt = Atomics.load(ctl, FAIL_AT);
  // STATE is left as the job left it (FINISHED, or IDLE when taken back): the worker waits for POSTED alone.
  for (let i = 0; i < calls; i++) hooks.onCall?.(true);
  hooks.onDone?.(done);
  // A worker that failed (its errno and FAIL_AT written) and then ended reports its own error below.
  if (workerGone && workerFailedAt < 0) {
    // The chunk it was on may be written in part, in whole, or not at all; the contract says as much
    // of every entry from the failed one on.
    const at = Atomics.load(ctl, AT);
    if (mainError === null || at < mainFailedAt) {
      throw Object.assign(new BpfmapError(ERROR_CODE.INTERNAL, `MAP_UPDATE_BATCH of ${subjectOf(fd, subject).subject}: `
        + 'the second writing thread ended during the write; the entries from the chunk it was on may or may not have gone in'), { failedAt: at });
    }
  }
  if (workerFailedAt >= 0 && (mainError === null || workerFailedAt < mainFailedAt)) {
    throw Object.assign(syscallError('MAP_UPDATE_BATCH', errno, subjectOf(fd, subject)), { failedAt: workerFailedAt });
  }
  if (mainError !== null) throw Object.assign(mainError, { failedAt: mainFailedAt });
}
