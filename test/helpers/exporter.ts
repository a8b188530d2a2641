/**
 * Starts `bpfmap exporter` (the built CLI) on 127.0.0.1 with a free port and stops it by its own pid.
 * The port is read from the line the exporter prints on stderr when it listens.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { BIN, ROOT } from './cli.js';

export interface RunningExporter {
  readonly proc: ChildProcess;
  readonly url: string;
  /** Everything written to stderr so far. */
  stderr(): string;
  /** SIGTERM, then waits for the exit; resolves with the exit code (SIGKILL after 5 s). */
  stop(): Promise<number | null>;
}

export async function startExporter(args: string[]): Promise<RunningExporter> {
  const proc = spawn(process.execPath, [BIN, 'exporter', ...args, '--listen', '127.0.0.1:0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  proc.stdout!.resume();
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`exporter did not start in 10 s: ${err}`)), 10000);
    const check = () => {
      const m = /serving \d+ maps at (http:\/\/\S+)/.exec(err);
      if (m) { clearTimeout(t); resolve(m[1]!); }
    };
    proc.stderr!.on('data', check);
    proc.once('exit', (code) => { clearTimeout(t); reject(new Error(`exporter exited with ${code}: ${err}`)); });
  });
  let stopped: Promise<number | null> | undefined;
  return {
    proc, url,
    stderr: () => err,
    stop: () => {
      stopped ??= (async () => {
        if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
        const k = setTimeout(() => { if (proc.exitCode === null) proc.kill('SIGKILL'); }, 5000);
        const code = await exited;
        clearTimeout(k);
        return code;
      })();
      return stopped;
    },
  };
}

/** Sample lines of an exposition as `name{labels}` -> value text. */
export function samples(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), line.slice(i + 1));
  }
  return out;
}
