#!/usr/bin/env node
import { main } from './main.js';

// `bpfmap dump ... | head` closes the pipe early: that is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
