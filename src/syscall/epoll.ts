/**
 * epoll(7) through libc: one epoll instance watches the ring fds; epollWait runs epoll_wait on
 * koffi's worker thread (an asynchronous call), so the event loop stays free while it waits.
 */
import { addressOf, libcFunction } from './binding.js';
import { syscallError } from './errno.js';
import { closeFd } from './fd.js';
import { os } from './native-endian.js';

const EPOLL_CLOEXEC = 0x80000;
const EPOLL_CTL_ADD = 1;
export const EPOLLIN = 1;
/** struct epoll_event is 12 bytes (packed) on x86-64 and 16 elsewhere: 16 per slot fits both. */
const EVENT_SLOT = 16;

let createFn: ReturnType<typeof libcFunction> | undefined;
let ctlFn: ReturnType<typeof libcFunction> | undefined;
let waitFn: ReturnType<typeof libcFunction> | undefined;

export class Epoll {
  readonly fd: number;
  private readonly events: Uint8Array;
  private readonly eventsAddr: number;
  private readonly maxEvents: number;

  constructor(maxEvents = 64) {
    createFn ??= libcFunction('int epoll_create1(int flags)');
    this.fd = createFn.call(EPOLL_CLOEXEC) as number;
    if (this.fd < 0) throw syscallError('epoll_create1', createFn.errno(), { subject: 'epoll' });
    this.maxEvents = maxEvents;
    this.events = new Uint8Array(new ArrayBuffer(maxEvents * EVENT_SLOT));
    this.eventsAddr = addressOf(this.events);
  }

  /** Watches `fd` for readability. */
  add(fd: number, subject: string): void {
    ctlFn ??= libcFunction('int epoll_ctl(int epfd, int op, int fd, uintptr_t event)');
    const ev = new Uint8Array(new ArrayBuffer(EVENT_SLOT));
    new DataView(ev.buffer).setUint32(0, EPOLLIN, os.little); // events: the first u32
    if ((ctlFn.call(this.fd, EPOLL_CTL_ADD, fd, addressOf(ev)) as number) < 0) throw syscallError('epoll_ctl', ctlFn.errno(), { subject });
  }

  /**
   * Waits up to `timeoutMs` on the worker thread; resolves to the number of ready fds (0 on timeout
   * or EINTR). The events buffer stays referenced by this object for the whole call.
   */
  wait(timeoutMs: number): Promise<number> {
    waitFn ??= libcFunction('int epoll_wait(int epfd, uintptr_t events, int maxevents, int timeout)');
    const fn = waitFn.call as unknown as { async: (...args: unknown[]) => void };
    return new Promise((resolve, reject) => {
      fn.async(this.fd, this.eventsAddr, this.maxEvents, Math.max(0, Math.floor(timeoutMs)), (err: unknown, r: number) => {
        if (err) reject(err as Error);
        // errno is per thread: the worker's errno is not readable here; -1 is EINTR in practice
        // (a signal), and the caller simply waits again.
        else resolve(r < 0 ? 0 : r);
      });
    });
  }

  close(): void {
    closeFd(this.fd);
  }
}
