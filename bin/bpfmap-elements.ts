/** Entry of the single-entry commands' bundle (dist/cli/elements.cjs); see bin/commands/elements.ts. */
import { main, runWholeCli } from './main.js';
import { exitWhenDone } from './fast-exit.js';
import { elementCommands } from './commands/elements.js';

main(process.argv.slice(2), elementCommands, runWholeCli).then(exitWhenDone);
