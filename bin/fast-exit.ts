/**
 * Fast path: the process of a one-shot command ends as soon as the command is done.
 *
 * Left alone, Node would still run a turn of its event loop after the command's promise settles
 * (where V8's scheduled garbage collection of the young generation runs, about 2.5 ms after a
 * lookup), then tear its environment down (close every handle, dispose the isolate). process.exit()
 * skips both. What the command printed is out by then: stdout and stderr are written synchronously
 * (bin/sink.ts), and 'exit' listeners still run. The exit waits for the ticks already queued (a warning
 * from process.emitWarning is printed on one).
 *
 * Only the group bundles (bin/bpfmap-elements.ts, bin/bpfmap-offline.ts) end this way: their commands
 * leave nothing running once their promise settles. A command line handed to the whole CLI (help,
 * usage errors: the code is then undefined) ends as Node ends it, after yargs is done. Only on Linux,
 * where it was measured and is tested; elsewhere Node ends the process itself.
 *
 * Measured 2026-12-07 (2 cores, Node 20, NODE_EXTRA_CA_CERTS unset, `node -e 0` at 60.1 ms): `bpfmap
 * lookup` of an LPM entry, 40 interleaved pairs, 93.2 -> 85.4 ms median, paired difference -7.4 ms
 * (standard error 0.8 ms), CPU time -7.9 ms.
 */

/** Ends the process with the command's exit code; with undefined (the whole CLI took over), does nothing. */
export function exitWhenDone(code: number | undefined): void {
  if (code === undefined || process.platform !== 'linux') {
    if (code !== undefined) process.exitCode = code;
    return;
  }
  process.nextTick(() => process.exit(code));
}
