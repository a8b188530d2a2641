#!/usr/bin/env node
import { main } from './main.js';
import { commands } from './commands/index.js';

// Output goes to fd 1 with writeSync (bin/sink.ts), where a reader that closed the pipe early
// (`bpfmap dump ... | head`) ends the process with exit 0; yargs' help goes through the global
// console, which ignores such errors. Nothing here touches process.stdout: Node makes its stream on
// first use, loading its stream modules (~2 ms of every command).
main(process.argv.slice(2), commands).then((code) => { process.exitCode = code; });
