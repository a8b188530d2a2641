/**
 * SIGINT, SIGTERM and SIGHUP for commands that write maps. Node runs a signal's handler only between
 * two turns of the event loop, never inside synchronous code: an apply (plan, writes, rollback) that
 * is running when a signal comes always runs to its end first, and a second signal cannot cut a
 * rollback short. The command then decides, from its phase, what to say and how to exit.
 */
import { notice } from './report.js';

const NUMBER = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 } as const;
export type StopSignal = keyof typeof NUMBER;
const SIGNALS = Object.keys(NUMBER) as StopSignal[];

export interface SignalTrap {
  /** The first signal received so far, or null. */
  readonly received: StopSignal | null;
  /** Called on every signal received from now on (the first one is also remembered in `received`). */
  onSignal(fn: (s: StopSignal) => void): void;
  /** Lets the event loop take in signals that came during synchronous work; returns `received`. */
  settle(): Promise<StopSignal | null>;
  dispose(): void;
}

/** 128 + the signal's number, as a shell reports a process a signal ended (SIGTERM: 143). */
export function signalExitCode(s: StopSignal): number {
  return 128 + NUMBER[s];
}

/** Catches the stop signals from now on, until dispose(). */
export function trapSignals(): SignalTrap {
  let received: StopSignal | null = null;
  const fns: ((s: StopSignal) => void)[] = [];
  const handler = (s: NodeJS.Signals) => {
    received ??= s as StopSignal;
    for (const f of fns) f(s as StopSignal);
  };
  for (const s of SIGNALS) process.on(s, handler);
  const turn = () => new Promise<void>((r) => setImmediate(r));
  return {
    get received() { return received; },
    onSignal: (fn) => { fns.push(fn); },
    // The first turn may end before the loop polls again; after the second it has polled once.
    settle: async () => { await turn(); await turn(); return received; },
    dispose: () => { for (const s of SIGNALS) process.off(s, handler); },
  };
}

/**
 * Runs synchronous `work` (create, migrate, restore: all or nothing) with the stop signals caught: one
 * that comes meanwhile is taken in only after it ended, said with `said(signal)` on stderr, and the
 * exit code is 128 + its number.
 */
export async function runToTheEnd<T>(work: () => T, said: (sig: StopSignal) => string): Promise<T> {
  const trap = trapSignals();
  try {
    return work();
  } finally {
    const sig = await trap.settle();
    trap.dispose();
    if (sig !== null) {
      notice(said(sig));
      process.exitCode = signalExitCode(sig);
    }
  }
}
